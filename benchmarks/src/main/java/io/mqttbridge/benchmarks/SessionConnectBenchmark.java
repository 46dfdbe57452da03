package io.mqttbridge.benchmarks;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.session.Subscription;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.channel.embedded.EmbeddedChannel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The session side of a connect and its disconnect, on the connection's own event loop: a clean
 * session opened, attached (CONNACK is the callback) and ended by the detach; and a persistent
 * session with one subscription resumed (its subscriptions decided again under the connection's
 * permissions, its state written to the in-memory store) and left offline again. The channel is an
 * {@link EmbeddedChannel} without handlers, so neither a socket nor the MQTT codec is timed. Run
 * with {@code -prof gc}: the bytes allocated per operation ({@code gc.alloc.rate.norm}) do not
 * depend on the machine's load, the times do.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SessionConnectBenchmark {

    private BrokerMetrics metrics;
    private SessionManager sessions;
    private EmbeddedChannel channel;

    @Setup
    public void start() {
        metrics = new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0);
        sessions = new SessionManager(new TopicTree<>(), new InMemorySessionStore(), metrics, new BrokerConfig());
        channel = new EmbeddedChannel();
        Session persistent = sessions.open("bench-persistent", true, channel.eventLoop(), null).session();
        ClientConnection first = connection(3600);
        persistent.attach(first, 3600, present -> { });
        persistent.execute(() -> persistent.subscribe(new Subscription(persistent, "fleet/+/telemetry",
                "fleet/+/telemetry", null, 1, false, false, 0, 0)));
        persistent.detach(first, null, 0, () -> { });
        channel.runPendingTasks();
    }

    private ClientConnection connection(long sessionExpirySeconds) {
        ClientConnection connection = ClientConnection.create(channel, metrics);
        connection.setState(ClientConnection.State.CONNECTED);
        connection.setPermissions(TopicPermissions.ALLOW_ALL);
        connection.setSessionExpirySeconds(sessionExpirySeconds);
        return connection;
    }

    @Benchmark
    public boolean cleanSessionConnectAndDisconnect() {
        ClientConnection connection = connection(0);
        SessionManager.Opened opened = sessions.open("bench-clean", true, channel.eventLoop(), null);
        opened.session().attach(connection, 0, present -> { });
        opened.session().detach(connection, null, 0, () -> { });
        channel.runPendingTasks();
        return opened.session().isEnded();
    }

    @Benchmark
    public boolean persistentSessionResumeAndDisconnect() {
        ClientConnection connection = connection(3600);
        SessionManager.Opened opened = sessions.open("bench-persistent", false, channel.eventLoop(), null);
        opened.session().attach(connection, 3600, present -> { });
        opened.session().detach(connection, null, 0, () -> { });
        channel.runPendingTasks();
        return opened.sessionPresent();
    }
}
