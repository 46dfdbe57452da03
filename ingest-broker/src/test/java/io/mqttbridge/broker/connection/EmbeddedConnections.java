package io.mqttbridge.broker.connection;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessage;

import java.util.ArrayList;
import java.util.List;

/** Connections on embedded channels for the unit tests of a connection's parts, and what they wrote. */
final class EmbeddedConnections {

    private EmbeddedConnections() {
    }

    /** A connection on {@code channel}, with metrics of its own. */
    static ClientConnection on(EmbeddedChannel channel) {
        return ClientConnection.create(channel, new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0));
    }

    /**
     * The MQTT packets written to {@code channel} since the last call, in order. Packets the connection
     * wrote as bytes (the common PUBACK / PUBREC / PUBREL / PUBCOMP, see
     * {@link ClientConnection#writeReply}) are decoded by the codec.
     */
    static List<MqttMessage> written(EmbeddedChannel channel) {
        List<MqttMessage> replies = new ArrayList<>();
        Object written;
        while ((written = channel.readOutbound()) != null) {
            if (written instanceof ByteBuf bytes) {
                EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder());
                decoder.writeInbound(bytes);
                MqttMessage decoded;
                while ((decoded = decoder.readInbound()) != null) {
                    replies.add(decoded);
                }
                decoder.finishAndReleaseAll();
            } else {
                replies.add((MqttMessage) written);
            }
        }
        return replies;
    }
}
