package io.mqttbridge.benchmarks.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.api.testing.BridgeNode;
import io.mqttbridge.testing.postgres.TestPostgres;
import io.mqttbridge.testing.kafka.TestKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The numbers in docs/BENCHMARKS.md, section "Start-up with 1 million stored sessions": a bridge
 * node (a separate process, {@link BridgeNode}) starts on a database holding {@code sessions}
 * persistent sessions of its own (generated with SQL: one subscription each, one queued QoS 1
 * message for every tenth), and reports the time until it is ready, the broker's own restore time
 * (its log line) and the process's memory. Not part of the normal test run (skipped unless
 * {@code -Dbenchmark=true}); asserts only that every session was restored.
 *
 * <pre>mvn -B -pl benchmarks -am test -Dtest=SessionRestoreBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true</pre>
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class SessionRestoreBenchmark {

    private static final int SESSIONS = Integer.getInteger("benchmark.sessions", 1_000_000);
    private static final String HEAP = System.getProperty("benchmark.heap", "3g");

    @Test
    void startUpWithManyStoredSessions() throws Exception {
        String database = TestPostgres.shared().createDatabase("restore_bench");
        BridgeNode node = BridgeNode.builder("bench-node", TestKafka.newTemporaryDirectory("bridge-bench-"))
                .kafka(TestKafka.bootstrapServers())
                .database(TestPostgres.shared().jdbcUrl(database), TestPostgres.shared().user(),
                        TestPostgres.shared().password())
                .mirrorTopic("bench." + UUID.randomUUID())
                .heap(HEAP)
                .readyTimeout(Duration.ofMinutes(20))
                .build();
        try {
            Duration empty = node.start();
            long emptyRss = node.residentBytes();
            String emptyHeap = heapAfterFullGc(node.pid());
            node.stop();

            Jdbi jdbi = Jdbi.create(TestPostgres.shared().jdbcUrl(database), TestPostgres.shared().user(),
                    TestPostgres.shared().password());
            long generating = System.nanoTime();
            generateSessions(jdbi, SESSIONS);
            long generatedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - generating);

            Duration full = node.start();
            long fullRss = node.residentBytes();
            String fullHeap = heapAfterFullGc(node.pid());
            String restoredLine = node.logLines().stream().filter(l -> l.contains("persistent sessions in"))
                    .reduce((a, b) -> b).orElse("(no restore line)");

            System.out.printf(Locale.ROOT, "BENCHMARK sessions=%d generated in %d ms%n", SESSIONS, generatedMillis);
            System.out.printf(Locale.ROOT, "BENCHMARK start-up, 0 sessions: ready in %d ms, RSS %d MiB, heap after full GC: %s%n",
                    empty.toMillis(), emptyRss >> 20, emptyHeap);
            System.out.printf(Locale.ROOT, "BENCHMARK start-up, %d sessions: ready in %d ms, RSS %d MiB, heap after full GC: %s%n",
                    SESSIONS, full.toMillis(), fullRss >> 20, fullHeap);
            System.out.println("BENCHMARK " + restoredLine.trim());
            assertThat(restoredLine).contains("restored " + SESSIONS + " persistent sessions");
        } finally {
            node.close();
            TestPostgres.shared().dropDatabase(database);
            TestKafka.deleteRecursively(node.dataDirectory());
        }
    }

    private static void generateSessions(Jdbi jdbi, int sessions) {
        jdbi.useHandle(h -> {
            h.execute("""
                    INSERT INTO broker_session_state (node_id, client_id, session_expiry_seconds, disconnected_at,
                        subscriptions, saved_at)
                    SELECT 'bench-node', 'device-' || lpad(g::text, 8, '0'), 4294967295, now(),
                           jsonb_build_array(jsonb_build_object('filter', 'devices/' || g || '/commands/#', 'qos', 1,
                               'noLocal', false, 'retainAsPublished', false, 'retainHandling', 0)),
                           now()
                      FROM generate_series(1, ?) g""", sessions);
            h.execute("""
                    INSERT INTO broker_session_messages (client_id, sequence, qos, packet_id, released,
                        subscription_ids, message, stored_at)
                    SELECT 'device-' || lpad(g::text, 8, '0'), 1, 1, 0, false, '{}',
                           jsonb_build_object('topic', 'devices/' || g || '/commands/reboot',
                               'payload', encode(convert_to('{"delay":5}', 'UTF8'), 'base64'),
                               'qos', 1, 'retain', false, 'receivedAt', '2026-12-01T00:00:00Z'),
                           now()
                      FROM generate_series(1, ?, 10) g""", sessions);
            h.execute("ANALYZE broker_session_state");
            h.execute("ANALYZE broker_session_messages");
        });
    }

    /** {@code jcmd <pid> GC.heap_info} after {@code GC.run}: the heap the sessions really hold. */
    private static String heapAfterFullGc(long pid) throws IOException, InterruptedException {
        run("jcmd", Long.toString(pid), "GC.run");
        String info = run("jcmd", Long.toString(pid), "GC.heap_info");
        long usedKiB = info.lines().filter(l -> l.contains("generation") && l.contains("used"))
                .mapToLong(l -> Long.parseLong(l.replaceAll(".*used (\\d+)K.*", "$1"))).sum();
        return (usedKiB >> 10) + " MiB";
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        process.waitFor(60, TimeUnit.SECONDS);
        return new String(output, StandardCharsets.UTF_8);
    }

}
