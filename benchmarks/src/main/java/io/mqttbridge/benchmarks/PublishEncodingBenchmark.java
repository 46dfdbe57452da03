package io.mqttbridge.benchmarks;

import io.mqttbridge.broker.netty.OutboundPublish;
import io.mqttbridge.broker.netty.PacketEncoder;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cost of turning one accepted message into PUBLISH packets for {@code subscribers} subscribers, as the
 * broker does it: the message is prepared once ({@link RoutedMessage#of}: topic bytes, shared MQTT 5
 * properties), then each subscriber's packet is written into one pooled direct buffer
 * ({@link PacketEncoder#encode}) with its own packet id. 100-byte payload, QoS 1, topic of 5 levels.
 * The time is per message (all its subscribers together).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PublishEncodingBenchmark {

    private static final int[] NO_IDS = new int[0];

    @Param({"1", "10", "100"})
    public int subscribers;

    /** Whether subscribers and message are MQTT 5 (with a content type and a user property). */
    @Param({"false", "true"})
    public boolean mqtt5;

    private final ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
    private PublishedMessage message;
    private int[] subscriptionIds;

    @Setup
    public void prepare() {
        MessageProperties properties = mqtt5
                ? new MessageProperties(null, null, "application/json", null, null, List.of(new UserProperty("site", "7")))
                : null;
        message = new PublishedMessage("fleet/region-7/device-4242/telemetry/temperature", new byte[100], 1, false,
                "device-4242", null, mqtt5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1, Instant.now(), properties);
        subscriptionIds = mqtt5 ? new int[] {7} : NO_IDS;
    }

    @Benchmark
    public void encodeForAllSubscribers(Blackhole blackhole) {
        RoutedMessage routed = RoutedMessage.of(message);
        for (int i = 0; i < subscribers; i++) {
            OutboundPublish publish = new OutboundPublish(routed, mqtt5, 1, false, false, i + 1, 0, true,
                    mqtt5 ? routed.remainingExpirySeconds(System.nanoTime()) : -1, subscriptionIds);
            ByteBuf packet = PacketEncoder.encode(allocator, publish);
            blackhole.consume(packet.getByte(packet.writerIndex() - 1));
            packet.release();
        }
    }
}
