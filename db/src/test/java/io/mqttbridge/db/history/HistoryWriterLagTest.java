package io.mqttbridge.db.history;

import static io.mqttbridge.db.testing.MirroredRecords.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.testing.kafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lag gauge and the topic tokens the writer computes, against real Kafka and PostgreSQL. */
class HistoryWriterLagTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void kafka() {
        producer = TestKafka.newProducer();
    }

    @AfterAll
    static void closeProducer() {
        producer.close();
    }

    private static HistoryWriterConfig config(String topic) {
        String unique = UUID.randomUUID().toString().substring(0, 8);
        return new HistoryWriterConfig()
                .setBootstrapServers(TestKafka.bootstrapServers())
                .setTopics(List.of(topic))
                .setTopicPattern("")
                .setSessionEventsTopic("mqtt.lag-test-events-" + unique)
                .setGroupId("lag-test-" + unique)
                .setWriterThreads(1)
                .setBatchSize(100)
                .setPollTimeoutMillis(100)
                .setLagRefreshMillis(100);
    }

    private static void send(String topic, int from, int count) {
        for (int i = from; i < from + count; i++) {
            producer.send(message(topic, "site/" + (i % 4) + "/device/" + i + "/temp", "client-" + (i % 5), 1, false,
                    ("payload-" + i).getBytes(StandardCharsets.UTF_8), Instant.now()));
        }
        producer.flush();
    }

    private static long lagTotal(MetricRegistry metrics) {
        return (Long) metrics.getGauges().get("history-writer.lag.total").getValue();
    }

    @Test
    void lagKeepsGrowingWhileAWriteIsBlockedAndFallsToZeroAfterwards() throws Exception {
        String topic = "mqtt.lag-" + UUID.randomUUID().toString().substring(0, 8);
        TestKafka.createTopic(topic, 1);
        db.database().partitions().ensurePartitionFor(Instant.now());
        MetricRegistry metrics = new MetricRegistry();
        send(topic, 0, 300);
        try (Handle lock = db.jdbi().open()) {
            // The writer's COPY waits for this lock: its thread is blocked for as long as the test wants.
            lock.begin();
            lock.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
            try (HistoryWriter writer = new HistoryWriter(config(topic), db.jdbi(), db.database().partitions(), metrics,
                    Clock.systemUTC()).start()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> lagTotal(metrics) == 300);
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                        .until(() -> writer.isRunning() && lagTotal(metrics) == 300);
                send(topic, 300, 200);
                // The writer thread is still inside the first COPY; only the refresher can see these.
                await().atMost(Duration.ofSeconds(10)).until(() -> lagTotal(metrics) == 500);
                lock.rollback();
                await().atMost(Duration.ofSeconds(30)).until(() -> lagTotal(metrics) == 0);
                long rows = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM messages WHERE kafka_topic = :t")
                        .bind("t", topic).mapTo(Long.class).one());
                assertThat(rows).isEqualTo(500);
            }
        }
    }

    @Test
    void topicTokensWrittenByTheWriterEqualWhatTheSqlFunctionComputes() {
        String topic = "mqtt.tokens-" + UUID.randomUUID().toString().substring(0, 8);
        TestKafka.createTopic(topic, 1);
        MetricRegistry metrics = new MetricRegistry();
        for (String mqttTopic : List.of("a", "site/7/device/507/temp", "a//b/", "/lead", "sp ace/ü/x:y")) {
            producer.send(message(topic, mqttTopic, "c", 1, false, new byte[] {1}, Instant.now()));
        }
        producer.flush();
        try (HistoryWriter writer = new HistoryWriter(config(topic), db.jdbi(), db.database().partitions(), metrics,
                Clock.systemUTC()).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM messages WHERE kafka_topic = :t").bind("t", topic).mapTo(Long.class).one()) == 5);
        }
        List<Boolean> same = db.jdbi().withHandle(h -> h.createQuery("SELECT topic_tokens IS NOT NULL AND "
                        + "topic_tokens = topic_level_tokens(mqtt_topic) FROM messages WHERE kafka_topic = :t")
                .bind("t", topic).mapTo(Boolean.class).list());
        assertThat(same).hasSize(5).containsOnly(true);
    }
}
