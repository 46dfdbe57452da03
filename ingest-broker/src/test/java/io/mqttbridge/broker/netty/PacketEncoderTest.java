package io.mqttbridge.broker.netty;

import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.util.AttributeKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link PacketEncoder} writes decodes, with Netty's own decoder, to the intended packet: the
 * broker's PUBLISH encoding, Netty's for every other packet, buffers as they are.
 */
class PacketEncoderTest {

    private static ByteBuf encode(Object packet) {
        EmbeddedChannel channel = new EmbeddedChannel(PacketEncoder.INSTANCE);
        channel.writeOutbound(packet);
        ByteBuf all = Unpooled.buffer();
        ByteBuf part;
        while ((part = channel.readOutbound()) != null) {
            all.writeBytes(part);
            part.release();
        }
        return all;
    }

    private static <T> T decode(ByteBuf bytes, io.netty.handler.codec.mqtt.MqttVersion version) {
        EmbeddedChannel channel = new EmbeddedChannel(new MqttDecoder());
        channel.attr(AttributeKey.<io.netty.handler.codec.mqtt.MqttVersion>valueOf("NETTY_CODEC_MQTT_VERSION")).set(version);
        channel.writeInbound(bytes);
        return channel.readInbound();
    }

    @Test
    void mqtt5PublishCarriesSharedAndPerSubscriberProperties() {
        PublishedMessage message = new PublishedMessage("a/b", "hello".getBytes(StandardCharsets.UTF_8), 1, true,
                "c", null, MqttVersion.MQTT_5, Instant.now(),
                new MessageProperties(1, 60L, "text/plain", "reply/to", new byte[] {9}, List.of(new UserProperty("k", "v"))));
        RoutedMessage routed = RoutedMessage.of(message);
        OutboundPublish publish = new OutboundPublish(routed, true, 1, true, false, 42, 3, true, 59, new int[] {7, 300});
        ByteBuf bytes = encode(publish);
        assertThat(bytes.readableBytes()).isEqualTo(publish.packetSize());

        MqttPublishMessage decoded = decode(bytes, io.netty.handler.codec.mqtt.MqttVersion.MQTT_5);
        assertThat(decoded.decoderResult().isSuccess()).isTrue();
        assertThat(decoded.variableHeader().topicName()).isEqualTo("a/b");
        assertThat(decoded.variableHeader().packetId()).isEqualTo(42);
        assertThat(decoded.fixedHeader().isDup()).isTrue();
        assertThat(decoded.fixedHeader().isRetain()).isFalse();
        assertThat(decoded.payload().toString(StandardCharsets.UTF_8)).isEqualTo("hello");
        MqttProperties properties = decoded.variableHeader().properties();
        assertThat(properties.getProperty(MqttProperties.CONTENT_TYPE).value()).isEqualTo("text/plain");
        assertThat(properties.getProperty(MqttProperties.RESPONSE_TOPIC).value()).isEqualTo("reply/to");
        assertThat(properties.getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL).value()).isEqualTo(59);
        assertThat(properties.getProperty(MqttProperties.TOPIC_ALIAS).value()).isEqualTo(3);
        assertThat(properties.getProperties(MqttProperties.SUBSCRIPTION_IDENTIFIER)).extracting(p -> p.value())
                .containsExactly(7, 300);
        assertThat(routed.payload().refCnt()).as("the shared payload is never consumed").isPositive();
        decoded.release();
    }

    @Test
    void mqtt311PublishHasNoProperties() {
        PublishedMessage message = new PublishedMessage("t", "p".getBytes(StandardCharsets.UTF_8), 0, false,
                "c", null, MqttVersion.MQTT_3_1_1, Instant.now(), null);
        OutboundPublish publish = new OutboundPublish(RoutedMessage.of(message), false, 0, false, true, 0, 0, true, -1,
                new int[0]);
        MqttPublishMessage decoded = decode(encode(publish), io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1_1);
        assertThat(decoded.variableHeader().topicName()).isEqualTo("t");
        assertThat(decoded.fixedHeader().isRetain()).isTrue();
        assertThat(decoded.payload().toString(StandardCharsets.UTF_8)).isEqualTo("p");
        decoded.release();
    }

    @Test
    void otherPacketsAreEncodedByNettysEncoder() {
        MqttSubAckMessage subAck = new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(7, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(1, 0x80));
        ByteBuf bytes = encode(subAck);
        assertThat(ByteBufUtil.getBytes(bytes)).containsExactly(0x90, 4, 0, 7, 1, 0x80);

        MqttSubAckMessage decoded = decode(bytes, io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1_1);
        assertThat(decoded.variableHeader().messageId()).isEqualTo(7);
        assertThat(decoded.payload().reasonCodes()).containsExactly(1, 0x80);
    }

    @Test
    void buffersPassThroughUnchanged() {
        ByteBuf pubAck = Unpooled.wrappedBuffer(new byte[] {0x40, 2, 0, 9});
        assertThat(ByteBufUtil.getBytes(encode(pubAck))).containsExactly(0x40, 2, 0, 9);
    }
}
