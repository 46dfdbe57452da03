package io.mqttbridge.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.kafka.events.internal.SessionEventJson;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost of the JSON of one connection's two session events (connected and disconnected), as the
 * session-event sender writes them for every connect (docs/BENCHMARKS.md, "Fourth round").
 * Timestamps with microseconds, as the clock gives them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SessionEventJsonBenchmark {

    private final SessionEventJson json = new SessionEventJson(new ObjectMapper(), "node-1");
    private final Instant now = Instant.parse("2026-12-05T10:00:00.123456Z");
    private final ConnectionInfo connection = new ConnectionInfo(UUID.randomUUID(), "client-0001",
            new DeviceIdentity("device-0001", "client-0001", "client-0001", List.of()),
            new InetSocketAddress("127.0.0.1", 50123), MqttVersion.MQTT_3_1_1, true, 60, 0, now);
    private final DisconnectInfo disconnect = new DisconnectInfo(now.plusMillis(3), DisconnectInfo.CLIENT_DISCONNECT,
            null, false);

    @Benchmark
    public void connectedAndDisconnected(Blackhole sink) {
        sink.consume(json.connected(connection, now));
        sink.consume(json.disconnected(connection, disconnect, now.plusMillis(3)));
    }
}
