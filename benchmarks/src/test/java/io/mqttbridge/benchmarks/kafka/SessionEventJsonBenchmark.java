package io.mqttbridge.benchmarks.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.kafka.events.internal.SessionEventJson;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CPU time and bytes allocated to write one connection's two session events (connected and
 * disconnected) as the session-event sender writes them for every connect (docs/BENCHMARKS.md,
 * "Fourth round"): the sending thread's CPU time and allocation counters around a million
 * connections, after as many of warm-up. Timestamps with microseconds, as the clock gives them. Not
 * part of the normal test run (skipped unless {@code -Dbenchmark=true}).
 *
 * <pre>mvn -B -pl benchmarks -am test -Dtest=SessionEventJsonBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true</pre>
 */
class SessionEventJsonBenchmark {

    private static final int CONNECTIONS = 1_000_000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @BeforeAll
    static void onlyWhenAskedFor() {
        Assumptions.assumeTrue(Boolean.getBoolean("benchmark"), "benchmarks run only with -Dbenchmark=true");
    }

    @Test
    void cpuAndAllocationPerConnection() {
        SessionEventJson json = new SessionEventJson(new ObjectMapper(), "node-1");
        Instant start = Instant.parse("2026-12-05T10:00:00.123456Z");
        ConnectionInfo connection = new ConnectionInfo(UUID.randomUUID(), "client-0001",
                new DeviceIdentity("device-0001", "client-0001", "client-0001", List.of()),
                new InetSocketAddress("127.0.0.1", 50123), MqttVersion.MQTT_3_1_1, true, 60, 0, start);
        long bytes = 0;
        for (int round = 0; round < 2; round++) { // the first round warms up
            long cpuBefore = THREADS.getCurrentThreadCpuTime();
            long allocatedBefore = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
            bytes = 0;
            for (int i = 0; i < CONNECTIONS; i++) {
                Instant now = start.plusNanos(i * 1_000L);
                bytes += json.connected(connection, now).length;
                bytes += json.disconnected(connection,
                        new DisconnectInfo(now.plusMillis(3), DisconnectInfo.CLIENT_DISCONNECT, null, false), now).length;
            }
            double cpuNanos = THREADS.getCurrentThreadCpuTime() - cpuBefore;
            double allocated = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - allocatedBefore;
            System.out.printf(Locale.ROOT, "BENCHMARK session-event JSON (%s): %.0f ns CPU and %.0f bytes allocated "
                            + "per connection (connected + disconnected, %d bytes of JSON)%n",
                    round == 0 ? "warm-up" : "measured", cpuNanos / CONNECTIONS, allocated / CONNECTIONS, bytes / CONNECTIONS);
        }
        assertThat(bytes).isGreaterThan(0);
    }
}
