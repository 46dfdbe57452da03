package io.mqttbridge.broker.handler;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.handler.connect.ConnectionGuardHandler;
import io.mqttbridge.broker.handler.ping.PingHandler;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionGuardHandlerTest {

    private static MqttMessage packet(MqttMessageType type) {
        return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0));
    }

    private static EmbeddedChannel channel() {
        EmbeddedChannel channel = new EmbeddedChannel();
        ClientConnection.create(channel, new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0));
        channel.pipeline().addLast(new ConnectionGuardHandler(10), new PingHandler());
        return channel;
    }

    @Test
    void packetBeforeConnectClosesTheChannel() {
        EmbeddedChannel channel = channel();
        channel.writeInbound(packet(MqttMessageType.PINGREQ));
        assertThat(channel.isActive()).isFalse();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void pingFromConnectedClientIsAnswered() {
        EmbeddedChannel channel = channel();
        ClientConnection.of(channel).setState(ClientConnection.State.CONNECTED);
        channel.writeInbound(packet(MqttMessageType.PINGREQ));
        MqttMessage reply = channel.readOutbound();
        assertThat(reply.fixedHeader().messageType()).isEqualTo(MqttMessageType.PINGRESP);
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void serverOnlyPacketFromConnectedClientClosesTheChannel() {
        EmbeddedChannel channel = channel();
        ClientConnection.of(channel).setState(ClientConnection.State.CONNECTED);
        channel.writeInbound(packet(MqttMessageType.PINGRESP));
        assertThat(channel.isActive()).isFalse();
    }
}
