package io.mqttbridge.api.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import io.mqttbridge.db.history.HistoryWriter;
import io.mqttbridge.db.history.HistoryWriterConfig;
import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.testing.kafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PostgreSQL slower than Kafka (here: blocked by a lock) shows as lag, and past the limit as degraded. */
class HistoryWriterHealthCheckTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void lagPastTheConfiguredLimitIsDegradedAndHealthyAgainOnceTheWriterCatchesUp() throws Exception {
        String topic = "mqtt.health-" + UUID.randomUUID().toString().substring(0, 8);
        TestKafka.createTopic(topic, 1);
        HistoryWriterConfig config = new HistoryWriterConfig()
                .setBootstrapServers(TestKafka.bootstrapServers())
                .setTopics(List.of(topic)).setTopicPattern("").setSessionEventsTopic(topic + "-sessions")
                .setGroupId("health-" + UUID.randomUUID())
                .setBatchSize(500)
                .setWriterThreads(1)
                .setPollTimeoutMillis(100)
                .setMaxHealthyLag(1_000);
        MetricRegistry metrics = new MetricRegistry();
        try (HistoryWriter writer = new HistoryWriter(config, db.database(), metrics).start();
             KafkaProducer<byte[], byte[]> producer = TestKafka.newProducer();
             Handle blocker = db.jdbi().open()) {
            HistoryWriterHealthCheck check = new HistoryWriterHealthCheck(writer, metrics, config.getMaxHealthyLag());
            await().atMost(Duration.ofSeconds(30)).until(() -> check.execute().isHealthy());

            blocker.begin();
            blocker.execute("LOCK TABLE messages IN SHARE MODE"); // the writer's COPY waits for it
            send(producer, topic, 3_000);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HealthCheck.Result result = check.execute();
                assertThat(result.isHealthy()).isFalse();
                assertThat(result.getMessage()).startsWith("degraded").contains("maxHealthyLag");
                assertThat(result.getDetails()).containsEntry("degraded", true);
                assertThat((Long) result.getDetails().get("lag")).isGreaterThan(1_000L);
            });
            assertThat(writer.isPaused()).isFalse();

            blocker.rollback();
            await().atMost(Duration.ofSeconds(60)).until(() -> stored(topic) == 3_000L);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HealthCheck.Result result = check.execute();
                assertThat(result.isHealthy()).isTrue();
                assertThat(result.getDetails()).containsEntry("lag", 0L);
            });
        }
    }

    private static long stored(String topic) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM messages WHERE kafka_topic = :t")
                .bind("t", topic).mapTo(Long.class).one());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int count) {
        Instant now = Instant.now();
        for (int i = 0; i < count; i++) {
            RecordHeaders headers = new RecordHeaders();
            headers.add("mqtt.topic", ("site/" + (i % 5) + "/t").getBytes(StandardCharsets.UTF_8));
            headers.add("mqtt.qos", "1".getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(topic, null, now.toEpochMilli(), null,
                    ("p" + i).getBytes(StandardCharsets.UTF_8), headers));
        }
        producer.flush();
    }
}
