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
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exactly once while records keep arriving: two writers of one group (two nodes) with partitions
 * moving between them as one stops and starts again, then the group's offsets rewound to the start of
 * the topic and every record read a second time, all while a producer keeps writing. Each Kafka record
 * must be in {@code messages} once, with none missing.
 */
class HistoryWriterRewindTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private static final int RECORDS = 6_000;

    @Test
    void stoppedMovedAndRewoundWritersMidStreamStoreEachRecordOnce() throws Exception {
        String topic = "mqtt.rewind-" + UUID.randomUUID().toString().substring(0, 8);
        TestKafka.createTopic(topic, 2);
        String group = "rewind-" + UUID.randomUUID();
        HistoryWriterConfig config = new HistoryWriterConfig()
                .setBootstrapServers(TestKafka.bootstrapServers())
                .setTopics(List.of(topic)).setTopicPattern("").setSessionEventsTopic(topic + "-sessions")
                .setGroupId(group)
                .setWriterThreads(1)
                .setBatchSize(250)
                .setPollTimeoutMillis(100)
                .setInitialBackoffMillis(50)
                .setMaxBackoffMillis(500);
        AtomicBoolean producing = new AtomicBoolean(true);
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> produce(topic, producing));
        MetricRegistry nodeA = new MetricRegistry();
        MetricRegistry nodeB = new MetricRegistry();
        HistoryWriter a = writer(config, nodeA).start();
        HistoryWriter b = writer(config, nodeB).start();
        HistoryWriter rewound = null;
        try {
            // Node A leaves mid-stream: its partitions move to B; then it comes back and takes some again.
            await().atMost(Duration.ofSeconds(60)).until(() -> rows(topic) >= 1_000);
            a.stop();
            await().atMost(Duration.ofSeconds(60)).until(() -> rows(topic) >= 2_000);
            a = writer(config, nodeA).start();
            await().atMost(Duration.ofSeconds(60)).until(() -> rows(topic) >= 3_000);

            // Rewind: the group empties, its offsets go back to the start of each partition, and one
            // writer reads everything again while the producer is still writing.
            a.stop();
            b.stop();
            rewindToStart(topic, group);
            MetricRegistry afterRewind = new MetricRegistry();
            rewound = writer(config, afterRewind).start();

            producer.get(120, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(120)).until(() -> rows(topic) >= RECORDS
                    && afterRewind.meter("history-writer.rows-written").getCount() >= RECORDS);
            assertThat(rows(topic)).isEqualTo(RECORDS);
            assertThat(distinctPositions(topic)).isEqualTo(RECORDS);
            // Everything up to the rewind point was stored already: the re-read took the deduplicating path.
            assertThat(afterRewind.counter("history-writer.replayed-batches").getCount()).isPositive();
        } finally {
            producing.set(false);
            a.stop();
            b.stop();
            if (rewound != null) {
                rewound.stop();
            }
        }
    }

    private static HistoryWriter writer(HistoryWriterConfig config, MetricRegistry metrics) {
        return new HistoryWriter(config, db.jdbi(), db.database().partitions(), metrics, Clock.systemUTC());
    }

    /** RECORDS messages over both partitions, in small bursts, so the writers always have more to read. */
    private static void produce(String topic, AtomicBoolean producing) {
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (KafkaProducer<byte[], byte[]> producer = TestKafka.newProducer()) {
            for (int i = 0; i < RECORDS && producing.get(); i++) {
                producer.send(message(topic, "plant/line" + (i % 7) + "/temp", "client-" + (i % 11), 1, false,
                        ("payload-" + i).getBytes(StandardCharsets.UTF_8), base.plusMillis(i)));
                if (i % 100 == 99) {
                    producer.flush();
                    TimeUnit.MILLISECONDS.sleep(15); // pacing of the stream, not a wait for a condition
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void rewindToStart(String topic, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()))) {
            // The group must be empty before its offsets can be altered; stopped members leave it at once.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(admin.describeConsumerGroups(
                    List.of(group)).describedGroups().get(group).get().members()).isEmpty());
            admin.alterConsumerGroupOffsets(group, Map.of(
                    new TopicPartition(topic, 0), new OffsetAndMetadata(0),
                    new TopicPartition(topic, 1), new OffsetAndMetadata(0))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static long rows(String topic) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM messages WHERE kafka_topic = :t")
                .bind("t", topic).mapTo(Long.class).one());
    }

    private static long distinctPositions(String topic) {
        return db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT count(DISTINCT (kafka_partition, kafka_offset)) FROM messages WHERE kafka_topic = :t")
                .bind("t", topic).mapTo(Long.class).one());
    }
}
