package io.mqttbridge.benchmarks.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredSubscription;
import io.mqttbridge.db.store.JdbiSessionStore;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What one QoS 1 message for many offline persistent sessions costs the session store
 * (docs/BENCHMARKS.md, "One message for many offline sessions"): {@code sessions} stored sessions,
 * then {@code messages} messages each appended to every session (the publisher's PUBACK waits for
 * these appends), then every message acknowledged (the sessions came back and took them). Reports
 * the time per message from the first append to the last append's commit, the same for the
 * acknowledgements, PostgreSQL's CPU time, and the size of the tables holding the messages. Not part
 * of the normal test run (skipped unless {@code -Dbenchmark=true}).
 *
 * <pre>mvn -B -pl benchmarks -am test -Dtest=OfflineFanOutStoreBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true</pre>
 * Options: {@code -Dbenchmark.fanOutSessions} (default 1000), {@code -Dbenchmark.fanOutMessages}
 * (default 20), {@code -Dbenchmark.fanOutPayloads} (bytes, default {@code 100,51200}).
 */
class OfflineFanOutStoreBenchmark {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final int SESSIONS = Integer.getInteger("benchmark.fanOutSessions", 1_000);
    private static final int MESSAGES = Integer.getInteger("benchmark.fanOutMessages", 20);
    private static final int[] PAYLOADS = java.util.Arrays.stream(
            System.getProperty("benchmark.fanOutPayloads", "100,51200").split(","))
            .mapToInt(size -> Integer.parseInt(size.trim())).toArray();

    @BeforeAll
    static void onlyWhenAskedFor() {
        Assumptions.assumeTrue(Boolean.getBoolean("benchmark"), "benchmarks run only with -Dbenchmark=true");
    }

    @Test
    void oneMessageForManyOfflineSessions() throws Exception {
        for (int payload : PAYLOADS) {
            run(payload, 1); // warm-up: the JIT, the driver's prepared statements
            run(payload, MESSAGES);
        }
    }

    private void run(int payloadBytes, int messages) throws Exception {
        db.truncateAll();
        db.jdbi().useHandle(h -> h.execute("TRUNCATE broker_session_messages, broker_stored_messages CASCADE"));
        PostgresCpu postgres = PostgresCpu.of(db.jdbi());
        try (JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), "bench-node")) {
            List<CompletableFuture<Void>> saved = new ArrayList<>();
            for (int s = 0; s < SESSIONS; s++) {
                saved.add(store.save(new SessionSnapshot(client(s), 86_400, Instant.now(),
                        List.of(new StoredSubscription("fleet/#", 1, false, false, 0, null)), List.of())));
            }
            CompletableFuture.allOf(saved.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);

            byte[] payload = new byte[payloadBytes];
            new Random(7).nextBytes(payload);
            double cpuBefore = postgres.seconds();
            long start = System.nanoTime();
            List<CompletableFuture<Void>> appended = new ArrayList<>();
            for (int m = 1; m <= messages; m++) {
                PublishedMessage published = new PublishedMessage("fleet/all/" + m, payload, 1, false, "operator",
                        null, MqttVersion.MQTT_3_1_1, Instant.now(), MessageProperties.NONE);
                for (int s = 0; s < SESSIONS; s++) {
                    appended.add(store.append(client(s), new PendingMessage(published, 1, 0, false, List.of(), m)));
                }
            }
            CompletableFuture.allOf(appended.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            double appendMillis = (System.nanoTime() - start) / 1e6;
            double appendCpu = postgres.seconds() - cpuBefore;
            long bytes = db.jdbi().withHandle(h -> h.createQuery("""
                    SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c
                     WHERE c.relname IN ('broker_session_messages', 'broker_stored_messages')""")
                    .mapTo(Long.class).one());
            long rows = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM broker_session_messages")
                    .mapTo(Long.class).one());
            assertThat(rows).isEqualTo((long) SESSIONS * messages);

            cpuBefore = postgres.seconds();
            start = System.nanoTime();
            List<CompletableFuture<Void>> acknowledged = new ArrayList<>();
            for (int m = 1; m <= messages; m++) {
                for (int s = 0; s < SESSIONS; s++) {
                    acknowledged.add(store.acknowledge(client(s), m));
                }
            }
            CompletableFuture.allOf(acknowledged.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
            double ackMillis = (System.nanoTime() - start) / 1e6;
            double ackCpu = postgres.seconds() - cpuBefore;
            long left = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM broker_session_messages")
                    .mapTo(Long.class).one());
            assertThat(left).isZero();

            if (messages > 1) {
                System.out.printf(Locale.ROOT, "BENCHMARK %d sessions, %d messages of %d bytes: append %.3f ms per message "
                                + "(PostgreSQL CPU %.3f ms), stored %.1f MB; acknowledge %.3f ms per message "
                                + "(PostgreSQL CPU %.3f ms)%n",
                        SESSIONS, messages, payloadBytes, appendMillis / messages, appendCpu * 1000 / messages,
                        bytes / 1e6, ackMillis / messages, ackCpu * 1000 / messages);
            }
        }
    }

    private static String client(int s) {
        return String.format(Locale.ROOT, "device-%05d", s);
    }
}
