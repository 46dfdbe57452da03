package io.mqttbridge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.MqttVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.AttributeKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The replies {@link ClientConnection#writeReply} writes as bytes must be what the codec writes for them. */
class ClientConnectionReplyTest {

    /* Where Netty's MQTT codec looks up the protocol version of a channel. */
    private static final AttributeKey<io.netty.handler.codec.mqtt.MqttVersion> CODEC_VERSION =
            AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    @ParameterizedTest
    @CsvSource({
        "MQTT_3_1_1, PUBACK, AT_MOST_ONCE, 0", "MQTT_3_1_1, PUBREC, AT_MOST_ONCE, 0",
        "MQTT_3_1_1, PUBREL, AT_LEAST_ONCE, 0", "MQTT_3_1_1, PUBCOMP, AT_MOST_ONCE, 0",
        "MQTT_3_1_1, PUBACK, AT_MOST_ONCE, 128", "MQTT_5, PUBACK, AT_MOST_ONCE, 0", "MQTT_5, PUBREC, AT_MOST_ONCE, 0",
        "MQTT_5, PUBREL, AT_LEAST_ONCE, 0", "MQTT_5, PUBCOMP, AT_MOST_ONCE, 0", "MQTT_5, PUBACK, AT_MOST_ONCE, 16",
        "MQTT_5, PUBREC, AT_MOST_ONCE, 151"})
    void aReplyIsWrittenExactlyAsTheCodecEncodesIt(MqttVersion version, MqttMessageType type, MqttQoS qos,
                                                    int reasonCode) {
        for (int packetId : new int[] {1, 255, 256, 0x7FFF, 65535}) {
            EmbeddedChannel channel = channel(version);
            ClientConnection connection = ClientConnection.create(channel,
                    new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0));
            connection.setVersion(version);

            connection.writeReply(type, qos, packetId, reasonCode);

            EmbeddedChannel codec = channel(version);
            codec.writeOutbound(new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0),
                    new MqttPubReplyMessageVariableHeader(packetId,
                            (byte) (version == MqttVersion.MQTT_5 ? reasonCode : 0), MqttProperties.NO_PROPERTIES)));
            assertThat(bytes(channel)).as("%s %s %d 0x%x", version, type, packetId, reasonCode)
                    .isEqualTo(bytes(codec));
        }
    }

    private static EmbeddedChannel channel(MqttVersion version) {
        EmbeddedChannel channel = new EmbeddedChannel(MqttEncoder.INSTANCE);
        channel.attr(CODEC_VERSION).set(version == MqttVersion.MQTT_5
                ? io.netty.handler.codec.mqtt.MqttVersion.MQTT_5 : io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1_1);
        return channel;
    }

    private static byte[] bytes(EmbeddedChannel channel) {
        channel.flushOutbound();
        ByteBuf written = channel.readOutbound();
        assertThat((Object) channel.readOutbound()).isNull();
        try {
            return ByteBufUtil.getBytes(written);
        } finally {
            written.release();
        }
    }
}
