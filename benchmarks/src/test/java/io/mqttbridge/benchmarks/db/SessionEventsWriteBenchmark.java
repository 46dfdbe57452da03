package io.mqttbridge.benchmarks.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.db.history.internal.HistoryBatchWriter;
import io.mqttbridge.db.testing.MirroredRecords;
import io.mqttbridge.db.testing.TestDatabase;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the history writer spends per session event in a connect storm (docs/BENCHMARKS.md, "Fourth
 * round"): batches of connected and disconnected events, as a storm of short connections gives them,
 * written by {@link HistoryBatchWriter} into the real PostgreSQL. Reports the CPU time of the writing
 * thread (parsing, binding, the driver) and of the PostgreSQL server per event: CPU time, not a
 * rate, so a loaded machine moves it little. Not part of the normal test run (skipped unless
 * {@code -Dbenchmark=true}).
 *
 * <pre>mvn -B -pl benchmarks -am test -Dtest=SessionEventsWriteBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true</pre>
 * Options: {@code -Dbenchmark.sessionBatches} (measured batches per size, default 1000),
 * {@code -Dbenchmark.sessionBatchSizes} (connections per batch, default {@code 10,40,200}).
 */
class SessionEventsWriteBenchmark {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final String TOPIC = "mqtt.session-events";
    private static final int BATCHES = Integer.getInteger("benchmark.sessionBatches", 1_000);
    private static final int[] SIZES = java.util.Arrays.stream(System.getProperty("benchmark.sessionBatchSizes", "10,40,200")
            .split(",")).mapToInt(size -> Integer.parseInt(size.trim())).toArray();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private long offset;

    @BeforeAll
    static void onlyWhenAskedFor() {
        Assumptions.assumeTrue(Boolean.getBoolean("benchmark"), "benchmarks run only with -Dbenchmark=true");
    }

    @Test
    void cpuPerSessionEvent() {
        db.truncateAll();
        HistoryBatchWriter writer = new HistoryBatchWriter(db.jdbi(), db.database().partitions(), TOPIC);
        PostgresCpu postgres = PostgresCpu.of(db.jdbi());
        int[] sizes = SIZES;
        for (int connectionsPerBatch : sizes) { // warm-up: the JIT, the driver's prepared statements
            for (int i = 0; i < BATCHES / 2; i++) {
                writer.write(batch(connectionsPerBatch));
            }
        }
        for (int connectionsPerBatch : sizes) {
            List<List<ConsumerRecord<byte[], byte[]>>> batches = new ArrayList<>();
            for (int i = 0; i < BATCHES; i++) {
                batches.add(batch(connectionsPerBatch));
            }
            double postgresBefore = postgres.seconds();
            long threadBefore = THREADS.getCurrentThreadCpuTime();
            long events = 0;
            for (List<ConsumerRecord<byte[], byte[]>> batch : batches) {
                events += writer.write(batch).sessionEvents();
            }
            double threadMicros = (THREADS.getCurrentThreadCpuTime() - threadBefore) / 1_000.0;
            double postgresMicros = (postgres.seconds() - postgresBefore) * 1_000_000;
            assertThat(events).isEqualTo(2L * connectionsPerBatch * BATCHES);
            System.out.printf(Locale.ROOT, "BENCHMARK session events, %d connections (connected + disconnected) per batch: "
                            + "writer thread %.2f us per event, PostgreSQL %.2f us per event (%d events)%n",
                    connectionsPerBatch, threadMicros / events, postgresMicros / events, events);
        }
        long rows = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM sessions").mapTo(Long.class).one());
        assertThat(rows).isGreaterThan(0);
    }

    /** A storm's batch: each connection's connected event, then (shuffled in) its disconnected event. */
    private List<ConsumerRecord<byte[], byte[]>> batch(int connections) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(2 * connections);
        Instant now = Instant.now();
        List<String> disconnects = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            UUID id = UUID.randomUUID();
            String client = "client-" + id.toString().substring(0, 8);
            records.add(record(MirroredRecords.connected("node-1", id, client, client, now)));
            disconnects.add(MirroredRecords.disconnected("node-1", id, client, now.plusMillis(3), "client_disconnect"));
        }
        disconnects.forEach(json -> records.add(record(json)));
        return records;
    }

    private ConsumerRecord<byte[], byte[]> record(String json) {
        return new ConsumerRecord<>(TOPIC, 0, offset++, System.currentTimeMillis(), TimestampType.CREATE_TIME, 0, 0, null,
                MirroredRecords.utf8(json), new RecordHeaders(), Optional.empty());
    }
}
