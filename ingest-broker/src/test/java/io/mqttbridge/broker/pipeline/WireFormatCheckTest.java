package io.mqttbridge.broker.pipeline;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.limits.IncompletePacketBytes;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WireFormatCheckTest {

    private static final byte[] PINGREQ = {(byte) 0xC0, 0};

    private static EmbeddedChannel channel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        BrokerMetrics metrics = new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0);
        ClientConnection.create(channel, metrics);
        channel.pipeline().addLast(new WireFormatCheck(1024, new TrafficMeter(metrics)));
        return channel;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Feeds {@code bytes} in chunks of {@code chunk} bytes; returns the bytes passed on. */
    private static byte[] feed(EmbeddedChannel channel, byte[] bytes, int chunk) {
        for (int i = 0; i < bytes.length && channel.isActive(); i += chunk) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(chunk, bytes.length - i)));
        }
        ByteArrayOutputStream passed = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readInbound()) != null) {
            byte[] copy = new byte[buf.readableBytes()];
            buf.readBytes(copy);
            buf.release();
            passed.writeBytes(copy);
        }
        return passed.toByteArray();
    }

    private static byte[] subscribe(int options, boolean mqtt5) {
        return RawMqttClient.subscribe(1, "a/b", options, mqtt5);
    }

    @Test
    void aFixedHeaderAnnouncingALargeConnectDoesNotCostItsSize() {
        UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(false);
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(allocator);
        BrokerMetrics metrics = new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0);
        ClientConnection.create(channel, metrics);
        channel.pipeline().addLast(new WireFormatCheck(262_144, new TrafficMeter(metrics)));

        // CONNECT, remaining length 200,000 (three length bytes), and nothing of its body yet.
        feed(channel, new byte[] {0x10, (byte) 0xC0, (byte) 0x9A, 0x0C}, 4);

        assertThat(allocator.metric().usedHeapMemory()).as("four bytes must not make the broker hold 200 KB")
                .isLessThan(4_096);
        channel.finishAndReleaseAll();
    }

    @Test
    void theBytesOfAPacketIncompleteAfterTheConnectAreCountedUntilItCompletes() {
        List<String> counted = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel();
        BrokerMetrics metrics = new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0);
        ClientConnection.create(channel, metrics);
        IncompletePacketBytes counter = new IncompletePacketBytes() {
            @Override
            public void holding(long bytes, boolean newPacket) {
                counted.add(bytes + (newPacket ? " new" : ""));
            }

            @Override
            public void closed() {
                counted.add("closed");
            }
        };
        channel.pipeline().addLast(new WireFormatCheck(1024, new TrafficMeter(metrics), ch -> counter));
        byte[] connect = RawMqttClient.connect(4, "c", true, 0);
        byte[] publish = RawMqttClient.publish(1, "t", 1, "x".repeat(300), false);

        // Before the CONNECT is complete its bytes are the pre-CONNECT bound's; whole packets cost nothing.
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(connect, 0, 5)));
        channel.writeInbound(Unpooled.wrappedBuffer(concat(Arrays.copyOfRange(connect, 5, connect.length), PINGREQ)));
        assertThat(counted).isEmpty();
        channel.writeInbound(Unpooled.wrappedBuffer(concat(PINGREQ, Arrays.copyOfRange(publish, 0, 50))));
        channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(publish, 50, 150)));
        channel.writeInbound(Unpooled.wrappedBuffer(concat(Arrays.copyOfRange(publish, 150, publish.length), PINGREQ)));
        channel.writeInbound(Unpooled.wrappedBuffer(PINGREQ));
        channel.writeInbound(Unpooled.wrappedBuffer(concat(publish, Arrays.copyOfRange(publish, 0, 10))));
        channel.close();

        assertThat(counted).startsWith("50 new", "150", "0 new", "10 new", "closed").containsOnlyOnce("10 new");
        channel.finishAndReleaseAll();
    }

    @Test
    void wellFormedPacketsPassUnchangedWhateverTheirSplit() {
        byte[] stream = concat(RawMqttClient.connect(4, "c", true, 60), PINGREQ, subscribe(1, false),
                RawMqttClient.publish(1, "t", 1, "x".repeat(300), false), subscribe(2, false));
        for (int chunk : new int[] {1, 2, 3, 7, 100, stream.length}) {
            EmbeddedChannel channel = channel();
            assertThat(feed(channel, stream, chunk)).as("chunk %d", chunk).containsExactly(stream);
            assertThat(channel.isActive()).isTrue();
        }
    }

    @Test
    void aSubscribeWithReservedOptionBitsIsCutOffAndWhatCameBeforeIsPassedOn() {
        byte[] before = concat(RawMqttClient.connect(4, "c", true, 60), PINGREQ);
        byte[] stream = concat(before, subscribe(0x04, false), PINGREQ);
        for (int chunk : new int[] {1, 5, stream.length}) {
            EmbeddedChannel channel = channel();
            assertThat(feed(channel, stream, chunk)).as("chunk %d", chunk).startsWith(before)
                    .hasSizeLessThan(before.length + subscribe(0x04, false).length);
            assertThat(channel.isActive()).isFalse();
        }
    }

    @Test
    void mqtt5AllowsNoLocalRetainAsPublishedAndRetainHandlingButNotTheTopTwoBits() {
        byte[] connect = RawMqttClient.connect5("c", true, 60, new byte[0]);
        EmbeddedChannel fine = channel();
        byte[] allowed = concat(connect, subscribe(0x2E, true));
        assertThat(feed(fine, allowed, 3)).containsExactly(allowed);
        assertThat(fine.isActive()).isTrue();

        EmbeddedChannel refused = channel();
        feed(refused, concat(connect, subscribe(0x40, true)), 3);
        assertThat(refused.isActive()).isFalse();
    }

    @Test
    void aPropertyRepeatedInConnectOrItsWillIsRefusedButUserPropertiesMayRepeat() {
        byte[] userTwice = {0x26, 0, 1, 'k', 0, 1, 'v', 0x26, 0, 1, 'k', 0, 1, 'w'};
        EmbeddedChannel fine = channel();
        byte[] allowed = RawMqttClient.connect5("c", true, 60, userTwice);
        assertThat(feed(fine, allowed, 2)).containsExactly(allowed);
        assertThat(fine.isActive()).isTrue();

        EmbeddedChannel twice = channel();
        feed(twice, RawMqttClient.connect5("c", true, 60, new byte[] {0x21, 0, 5, 0x21, 0, 6}), 4);
        assertThat(twice.isActive()).isFalse();

        EmbeddedChannel willTwice = channel();
        feed(willTwice, RawMqttClient.connect5WithWill("c", true, new byte[0],
                new byte[] {0x18, 0, 0, 0, 1, 0x18, 0, 0, 0, 2}, "w", "bye"), 64);
        assertThat(willTwice.isActive()).isFalse();
    }

    @Test
    void aStreamTheDecoderWillRefuseIsLeftToIt() {
        byte[] badLength = {(byte) 0x82, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01, 0, 1};
        EmbeddedChannel channel = channel();
        assertThat(feed(channel, badLength, 3)).containsExactly(badLength);
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void aPropertyConnectOrSubscribeDoesNotDefineIsRefused() {
        EmbeddedChannel inConnect = channel();
        feed(inConnect, RawMqttClient.connect5("c", true, 60, new byte[] {0x23, 0, 1}), 5);
        assertThat(inConnect.isActive()).isFalse();

        EmbeddedChannel inSubscribe = channel();
        byte[] connect = RawMqttClient.connect5("c", true, 60, new byte[0]);
        byte[] subscribe = RawMqttClient.packet(0x82, new byte[] {0, 1, 3, 0x23, 0, 1, 0, 1, 't', 0});
        feed(inSubscribe, concat(connect, subscribe), 4);
        assertThat(inSubscribe.isActive()).isFalse();

        EmbeddedChannel subscriptionIdentifier = channel();
        byte[] allowed = concat(connect, RawMqttClient.packet(0x82, new byte[] {0, 1, 2, 0x0B, 7, 0, 1, 't', 0}));
        assertThat(feed(subscriptionIdentifier, allowed, 4)).containsExactly(allowed);
        assertThat(subscriptionIdentifier.isActive()).isTrue();
    }
}
