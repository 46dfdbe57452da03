package io.mqttbridge.benchmarks.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.db.MessageQuery;
import io.mqttbridge.db.MessageRepository;
import io.mqttbridge.db.Page;
import io.mqttbridge.db.StoredMessage;
import io.mqttbridge.db.history.HistoryWriter;
import io.mqttbridge.db.history.HistoryWriterConfig;
import io.mqttbridge.db.testing.GeneratedMessages;
import io.mqttbridge.db.testing.MirroredRecords;
import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.testing.kafka.TestKafka;
import java.io.StringReader;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;

/**
 * The numbers in docs/BENCHMARKS.md, section "History writer". Not part of the normal test run
 * (skipped unless {@code -Dbenchmark=true}); prints its results, asserts only that the work was done.
 *
 * <pre>mvn -B -pl benchmarks -am test -Dtest=HistoryWriterBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true</pre>
 * Options: {@code -Dbenchmark.writerRecords}, {@code -Dbenchmark.writerThreads}, {@code -Dbenchmark.batchSize},
 * {@code -Dbenchmark.indexCosts=true} (with {@code -Dbenchmark.indexRows}), {@code -Dbenchmark.burstRate},
 * {@code -Dbenchmark.burstSeconds}, {@code -Dbenchmark.queryRows}.
 */
class HistoryWriterBenchmark {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final int WRITER_RECORDS = Integer.getInteger("benchmark.writerRecords", 500_000);
    private static final int QUERY_ROWS = Integer.getInteger("benchmark.queryRows", 10_000_000);
    private static final int WRITER_THREADS = Integer.getInteger("benchmark.writerThreads",
            HistoryWriterConfig.DEFAULT_WRITER_THREADS);
    private static final int BATCH_SIZE = Integer.getInteger("benchmark.batchSize", HistoryWriterConfig.DEFAULT_BATCH_SIZE);
    private static final int INDEX_ROWS = Integer.getInteger("benchmark.indexRows", 200_000);
    /** What the index-cost run removes, one at a time, in a transaction that is rolled back. */
    private static final List<String> OPTIONAL_INDEX_STEPS = List.of(
            "DROP INDEX messages_topic_time_idx",
            "DROP INDEX messages_client_time_idx",
            "DROP INDEX messages_topic_tokens_idx",
            "ALTER TABLE messages DROP COLUMN topic_tokens");

    @BeforeAll
    static void onlyWhenAskedFor() {
        Assumptions.assumeTrue(Boolean.getBoolean("benchmark"), "benchmarks run only with -Dbenchmark=true");
    }

    @Test
    void writerThroughputNextToRawCopy() throws Exception {
        String topic = "mqtt.bench-" + UUID.randomUUID().toString().substring(0, 8);
        TestKafka.createTopic(topic, 4);
        Random random = new Random(42);
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(3600);
        try (KafkaProducer<byte[], byte[]> producer = TestKafka.newProducer()) {
            for (int i = 0; i < WRITER_RECORDS; i++) {
                byte[] payload = new byte[100];
                random.nextBytes(payload);
                producer.send(MirroredRecords.message(topic, "site/" + (i % 50) + "/device/" + (i % 1000) + "/temp",
                        "device-" + (i % 1000), 1, false, payload, base.plusMillis(i / 100)));
            }
            producer.flush();
        }
        MetricRegistry metrics = new MetricRegistry();
        HistoryWriterConfig config = new HistoryWriterConfig()
                .setBootstrapServers(TestKafka.bootstrapServers())
                .setTopics(List.of(topic)).setTopicPattern("").setSessionEventsTopic(topic + "-sessions")
                .setGroupId("bench-" + UUID.randomUUID())
                .setWriterThreads(WRITER_THREADS)
                .setBatchSize(BATCH_SIZE);
        PostgresCpu postgres = PostgresCpu.of(db.jdbi());
        double writerCpuStart = postgres.seconds();
        long start = System.nanoTime();
        try (HistoryWriter writer = new HistoryWriter(config, db.database(), metrics).start()) {
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200))
                    .until(() -> metrics.meter("history-writer.rows-written").getCount() >= WRITER_RECORDS);
        }
        double writerSeconds = (System.nanoTime() - start) / 1e9;
        double writerCpu = postgres.seconds() - writerCpuStart;

        db.jdbi().useHandle(h -> h.execute("TRUNCATE messages"));
        String csv = csv(topic, WRITER_RECORDS, base, random);
        double copyCpuStart = postgres.seconds();
        long copyStart = System.nanoTime();
        long copied = db.jdbi().withHandle(h -> copyCsv(h.getConnection(), csv));
        double copySeconds = (System.nanoTime() - copyStart) / 1e9;
        double copyCpu = postgres.seconds() - copyCpuStart;
        assertThat(copied).isEqualTo(WRITER_RECORDS);
        double writerRate = WRITER_RECORDS / writerSeconds;
        double copyRate = WRITER_RECORDS / copySeconds;
        System.out.printf(Locale.ROOT, "BENCHMARK writer (%d threads, batch %d): %d records of 100 bytes in %.1f s = %.0f "
                        + "rows/s (from start, including consumer group join); raw COPY of the same rows: %.1f s = %.0f "
                        + "rows/s; writer/COPY = %.0f %%; load average %s%n",
                WRITER_THREADS, BATCH_SIZE, WRITER_RECORDS, writerSeconds, writerRate, copySeconds, copyRate,
                100 * writerRate / copyRate, loadAverage());
        System.out.printf(Locale.ROOT, "BENCHMARK PostgreSQL CPU per row: writer %.1f us, raw COPY (csv) %.1f us%n",
                writerCpu * 1e6 / WRITER_RECORDS, copyCpu * 1e6 / WRITER_RECORDS);
        if (Boolean.getBoolean("benchmark.indexCosts")) {
            indexCosts(topic, base, random);
        }
    }

    /**
     * The write-path cost of each optional index (and of the generated topic-token column): a raw COPY
     * of the same rows with all of them, then with one removed, each in a transaction rolled back.
     */
    private static void indexCosts(String topic, Instant base, Random random) throws Exception {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE messages"));
        String csv = csv(topic, INDEX_ROWS, base, random);
        List<String> steps = new java.util.ArrayList<>();
        steps.add(null);
        steps.addAll(OPTIONAL_INDEX_STEPS);
        steps.add(null); // the baseline again, for the noise of a shared machine
        for (String step : steps) {
            double seconds = db.jdbi().inTransaction(h -> {
                if (step != null) {
                    h.execute(step);
                }
                long start = System.nanoTime();
                assertThat(copyCsv(h.getConnection(), csv)).isEqualTo(INDEX_ROWS);
                double s = (System.nanoTime() - start) / 1e9;
                h.rollback();
                return s;
            });
            // The rolled-back rows stay as dead tuples in the table and its indexes: start each run empty.
            db.jdbi().useHandle(h -> h.execute("TRUNCATE messages"));
            System.out.printf(Locale.ROOT, "BENCHMARK index cost: raw COPY of %d rows %-50s %.1f s = %.0f rows/s%n",
                    INDEX_ROWS, step == null ? "with every index" : "after " + step, seconds, INDEX_ROWS / seconds);
        }
    }

    private static String csv(String topic, int rows, Instant base, Random random) {
        StringBuilder csv = new StringBuilder();
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < rows; i++) {
            byte[] payload = new byte[100];
            random.nextBytes(payload);
            csv.append(base.plusMillis(i / 100)).append(",site/").append(i % 50).append("/device/").append(i % 1000)
                    .append("/temp,device-").append(i % 1000).append(",1,f,\\x").append(hex.formatHex(payload))
                    .append(',').append(topic).append(",0,").append(i)
                    // The tokens the writer sends too (topic_level_tokens of the topic), as an array literal.
                    .append(",\"{0:site,1:").append(i % 50).append(",2:device,3:").append(i % 1000).append(",4:temp}\"")
                    .append('\n');
        }
        return csv.toString();
    }

    private static long copyCsv(Connection c, String csv) throws Exception {
        return c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY messages (received_at, mqtt_topic, client_id, "
                + "qos, retain, payload, kafka_topic, kafka_partition, kafka_offset, topic_tokens) FROM STDIN (FORMAT csv)",
                new StringReader(csv));
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /**
     * Issue #15's keep-up criterion without the broker: records are produced into Kafka at a target
     * rate for a burst while the writer runs; reported are the rate reached and how long after the
     * burst's end the last row is in PostgreSQL.
     */
    @Test
    void writerCatchesUpAfterABurst() throws Exception {
        int rate = Integer.getInteger("benchmark.burstRate", 80_000);
        int seconds = Integer.getInteger("benchmark.burstSeconds", 15);
        String topic = "mqtt.burst-" + UUID.randomUUID().toString().substring(0, 8);
        TestKafka.createTopic(topic, 4);
        db.jdbi().useHandle(h -> h.execute("TRUNCATE messages"));
        MetricRegistry metrics = new MetricRegistry();
        HistoryWriterConfig config = new HistoryWriterConfig()
                .setBootstrapServers(TestKafka.bootstrapServers())
                .setTopics(List.of(topic)).setTopicPattern("").setSessionEventsTopic(topic + "-sessions")
                .setGroupId("burst-" + UUID.randomUUID())
                .setWriterThreads(WRITER_THREADS)
                .setBatchSize(BATCH_SIZE);
        Random random = new Random(7);
        byte[][] payloads = new byte[1024][100];
        for (byte[] p : payloads) {
            random.nextBytes(p);
        }
        long sent = 0;
        double burstSeconds;
        double maxLag = 0;
        PostgresCpu postgres = PostgresCpu.of(db.jdbi());
        double cpuStart = postgres.seconds();
        try (HistoryWriter writer = new HistoryWriter(config, db.database(), metrics).start();
             KafkaProducer<byte[], byte[]> producer = TestKafka.newProducer()) {
            Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            long nextLagSample = start;
            for (long now = start; now < end; now = System.nanoTime()) {
                long due = (now - start) * rate / 1_000_000_000L;
                for (; sent < due; sent++) {
                    int i = (int) sent;
                    producer.send(MirroredRecords.message(topic, "site/" + (i % 50) + "/device/" + (i % 1000) + "/temp",
                            "device-" + (i % 1000), 1, false, payloads[i & 1023], base.plusMillis(i / 100)));
                }
                if (now >= nextLagSample) {
                    maxLag = Math.max(maxLag, ((Number) metrics.getGauges().get("history-writer.lag.total").getValue())
                            .doubleValue());
                    nextLagSample = now + 100_000_000L;
                }
                Thread.onSpinWait();
            }
            producer.flush();
            long burstEnd = System.nanoTime();
            burstSeconds = (burstEnd - start) / 1e9;
            long total = sent;
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> metrics.meter("history-writer.rows-written").getCount() >= total);
            double catchUp = (System.nanoTime() - burstEnd) / 1e9;
            System.out.printf(Locale.ROOT, "BENCHMARK burst: %d records in %.1f s = %.0f records/s produced (target %d/s); "
                            + "writer (%d threads, batch %d) had every row %.1f s after the burst ended; highest lag "
                            + "seen %.0f; overall %.0f rows/s; load average %s%n",
                    total, burstSeconds, total / burstSeconds, rate, WRITER_THREADS, BATCH_SIZE, catchUp, maxLag,
                    total / (burstSeconds + catchUp), loadAverage());
            System.out.printf(Locale.ROOT, "BENCHMARK burst: PostgreSQL CPU %.1f us per row%n",
                    (postgres.seconds() - cpuStart) * 1e6 / total);
        }
        long stored = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM messages WHERE kafka_topic = :t")
                .bind("t", topic).mapTo(Long.class).one());
        assertThat(stored).isEqualTo(sent);
    }

    @Test
    void queryLatencyOnTenMillionRows() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE messages"));
        Instant end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long loadStart = System.nanoTime();
        GeneratedMessages.load(db.jdbi(), db.database().partitions(), QUERY_ROWS, end);
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        long size = GeneratedMessages.bytes(db.jdbi());
        System.out.printf(Locale.ROOT, "BENCHMARK loaded %d rows in %.0f s (server-side INSERT ... SELECT), %.1f GiB with indexes%n",
                QUERY_ROWS, loadSeconds, size / (1024.0 * 1024 * 1024));

        MessageRepository messages = db.database().messages();
        Instant dayAgo = end.minus(Duration.ofDays(1));
        measure("newest 100 of one topic", () -> messages.find(MessageQuery.all().topicFilter("site/7/device/507/temp")));
        measure("newest 100 under a prefix (site/7/#)", () -> messages.find(MessageQuery.all().topicFilter("site/7/#")));
        measure("newest 100 of a client in the last day", () -> messages.find(MessageQuery.all().clientId("device-507").from(dayAgo)));
        measure("newest 100 of a filter with + (site/+/device/507/temp), last day",
                () -> messages.find(MessageQuery.all().topicFilter("site/+/device/507/temp").from(dayAgo)));
        Page<StoredMessage> first = messages.find(MessageQuery.all().topicFilter("site/7/#").limit(100));
        measure("page 2 via cursor under a prefix", () -> messages.find(MessageQuery.all().topicFilter("site/7/#")
                .limit(100).after(first.nextCursor())));
        measure("newest 100 of the whole table", () -> messages.find(MessageQuery.all()));
        measure("latest per topic under site/7/# (10 topics)", () -> messages.latestPerTopic("site/7/#", null, 100));
        measure("topics with counts under site/7/# (100k rows)", () -> messages.topics("site/7/#", null, 100));
    }

    private static void measure(String what, Supplier<?> query) {
        for (int i = 0; i < 5; i++) {
            query.get();
        }
        int runs = 30;
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            Object result = query.get();
            nanos[i] = System.nanoTime() - start;
            assertThat(result).isNotNull();
        }
        Arrays.sort(nanos);
        System.out.printf(Locale.ROOT, "BENCHMARK query %-60s p50 %7.2f ms  p95 %7.2f ms  max %7.2f ms%n", what,
                nanos[runs / 2] / 1e6, nanos[(int) (runs * 0.95)] / 1e6, nanos[runs - 1] / 1e6);
    }
}
