package io.mqttbridge.benchmarks;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.PacketEncoder;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.pipeline.TrafficMeter;
import io.mqttbridge.broker.pipeline.WireFormatCheck;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Cost per message of a connected session's outbound path, on its own event loop: {@code deliver}
 * through the session's mailbox, the queue, the in-flight window, the write through the encoder
 * and the traffic metrics to the channel, the consolidated flush, and (QoS 1) the PUBACK that frees
 * the window. Messages come in batches of {@value #BATCH}, as from one read of a publisher; the
 * channel is an {@link EmbeddedChannel} whose writes are released, not sent, so no socket is timed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SessionQueueBenchmark {

    static final int BATCH = 100;
    private static final int[] NO_IDS = new int[0];

    @Param({"0", "1"})
    public int qos;

    private EmbeddedChannel channel;
    private Session session;
    private RoutedMessage message;
    private int nextPacketId = 1;

    @Setup
    public void connect() {
        BrokerConfig config = new BrokerConfig();
        config.setMaxInflightOutbound(1000);
        BrokerMetrics metrics = new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0);
        SessionManager sessions = new SessionManager(new TopicTree<>(), new InMemorySessionStore(), metrics, config);
        channel = new EmbeddedChannel(new ReleasingSink(), new WireFormatCheck(Integer.MAX_VALUE, new TrafficMeter(metrics)), PacketEncoder.INSTANCE);
        ClientConnection connection = ClientConnection.create(channel, metrics);
        connection.setState(ClientConnection.State.CONNECTED);
        connection.setSendQuota(config.getMaxInflightOutbound());
        session = sessions.open("bench-subscriber", true, channel.eventLoop(), null).session();
        session.attach(connection, 0, present -> { });
        channel.runPendingTasks();
        message = RoutedMessage.of(new PublishedMessage("fleet/region-7/device-4242/telemetry/temperature",
                new byte[100], qos, false, "bench-publisher", null, MqttVersion.MQTT_3_1_1, Instant.now(), null));
    }

    @TearDown
    public void close() {
        channel.finishAndReleaseAll();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int deliverBatch() {
        for (int i = 0; i < BATCH; i++) {
            session.deliver(message, qos, false, NO_IDS, null);
        }
        if (qos > 0) {
            for (int i = 0; i < BATCH; i++) {
                int packetId = nextPacketId;
                nextPacketId = packetId == 65_535 ? 1 : packetId + 1;
                session.execute(() -> session.outbound().onPubAck(packetId));
            }
        }
        channel.runPendingTasks();
        return session.pendingCount();
    }

    /** Stands for the socket: releases what is written. */
    private static final class ReleasingSink extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
        }
    }
}
