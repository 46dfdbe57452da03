package io.mqttbridge.db.history;

import static io.mqttbridge.db.testing.MirroredRecords.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.db.Database;
import io.mqttbridge.db.DatabaseConfig;
import io.mqttbridge.db.embedded.EmbeddedPostgresServer;
import io.mqttbridge.testing.kafka.TestKafka;
import io.mqttbridge.testing.net.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Has its own PostgreSQL, because it stops it. */
class HistoryWriterOutageTest {

    @TempDir
    Path dir;

    @Test
    void postgresOutageMidStreamPausesRetriesAndResumesWithEveryRecordExactlyOnce() throws Exception {
        // Outside the ephemeral range: the restarted server binds the same port again, after a
        // gap in which another process's outgoing connection could otherwise have taken it.
        int port = FreePorts.pick();
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(dir.resolve("pg"), port).start();
        EmbeddedPostgresServer restarted = new EmbeddedPostgresServer(dir.resolve("pg"), port);
        DatabaseConfig dbConfig = new DatabaseConfig()
                .setJdbcUrl(server.jdbcUrl(EmbeddedPostgresServer.DATABASE))
                .setUser(EmbeddedPostgresServer.USER)
                .setPassword(server.password())
                .setPoolSize(2)
                .setConnectionTimeoutMillis(500);
        String topic = "mqtt.outage-" + UUID.randomUUID().toString().substring(0, 8);
        TestKafka.createTopic(topic, 2);
        HistoryWriterConfig config = new HistoryWriterConfig()
                .setBootstrapServers(TestKafka.bootstrapServers())
                .setTopics(List.of(topic))
                .setTopicPattern("")
                .setSessionEventsTopic(topic + "-sessions")
                .setGroupId("outage-" + UUID.randomUUID())
                .setBatchSize(100)
                .setPollTimeoutMillis(100)
                .setInitialBackoffMillis(50)
                .setMaxBackoffMillis(400);
        MetricRegistry metrics = new MetricRegistry();
        Instant base = Instant.now();
        try (Database database = Database.open(dbConfig);
             KafkaProducer<byte[], byte[]> producer = TestKafka.newProducer();
             HistoryWriter writer = new HistoryWriter(config, database.jdbi(), database.partitions(), metrics,
                     Clock.systemUTC()).start()) {
            send(producer, topic, 0, 1000, base);
            await().atMost(Duration.ofSeconds(30)).until(() -> count(database) == 1000);

            server.stop();
            send(producer, topic, 1000, 1000, base);
            await().atMost(Duration.ofSeconds(30)).until(writer::isPaused);
            assertThat(metrics.meter("history-writer.failures").getCount()).isPositive();
            assertThat((Integer) metrics.getGauges().get("history-writer.paused").getValue()).isEqualTo(1);
            // While paused the writer holds at most one batch and leaves the rest in Kafka.
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    (Long) metrics.getGauges().get("history-writer.lag.total").getValue() >= 1000 - 100);

            restarted.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> count(database) == 2000);
            assertThat(writer.isPaused()).isFalse();
            long distinct = database.jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(DISTINCT (kafka_partition, kafka_offset)) FROM messages").mapTo(Long.class).one());
            assertThat(distinct).isEqualTo(2000);
            List<String> payloads = database.jdbi().withHandle(h -> h.createQuery(
                    "SELECT convert_from(payload, 'UTF8') FROM messages").mapTo(String.class).list());
            assertThat(payloads).hasSize(2000).doesNotHaveDuplicates()
                    .allSatisfy(p -> assertThat(Integer.parseInt(p.substring("payload-".length()))).isBetween(0, 1999));
        } finally {
            server.stop();
            restarted.stop();
        }
    }

    private static long count(Database database) {
        try {
            return database.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM messages").mapTo(Long.class).one());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int from, int count, Instant base) {
        for (int i = from; i < from + count; i++) {
            producer.send(message(topic, "site/" + (i % 7) + "/v", "c" + (i % 11), 1, false,
                    ("payload-" + i).getBytes(StandardCharsets.UTF_8), base.plusMillis(i)));
        }
        producer.flush();
    }
}
