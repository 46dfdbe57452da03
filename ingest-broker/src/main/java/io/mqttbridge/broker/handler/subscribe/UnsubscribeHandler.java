package io.mqttbridge.broker.handler.subscribe;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.Subscriptions;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.SessionListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** UNSUBSCRIBE: removes the subscriptions and answers UNSUBACK (MQTT 5: a reason code per filter). */
@ChannelHandler.Sharable
public final class UnsubscribeHandler extends ChannelInboundHandlerAdapter {


    private final SessionListener listener;

    public UnsubscribeHandler(SessionListener listener) {
        this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttUnsubscribeMessage unsubscribe)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ClientConnection connection = ClientConnection.of(ctx.channel());
        List<String> filters = unsubscribe.payload().topics();
        if (filters.isEmpty()) {
            connection.disconnect(MqttReasonCode.PROTOCOL_ERROR, DisconnectInfo.PROTOCOL_ERROR);
            return;
        }
        for (String filter : filters) {
            try {
                Subscriptions.parse(filter);
            } catch (IllegalArgumentException e) {
                if (!connection.isMqtt5()) {
                    connection.disconnect(MqttReasonCode.MALFORMED_PACKET, DisconnectInfo.PROTOCOL_ERROR);
                    return;
                }
            }
        }
        Session session = Session.of(connection.channel());
        int packetId = unsubscribe.variableHeader().messageId();
        connection.inSessionOrder(session::execute, () -> {
            short[] codes = new short[filters.size()];
            List<String> removed = new ArrayList<>();
            for (int i = 0; i < filters.size(); i++) {
                String filter = filters.get(i);
                boolean valid = true;
                try {
                    Subscriptions.parse(filter);
                } catch (IllegalArgumentException e) {
                    valid = false;
                }
                if (!valid) {
                    codes[i] = (short) MqttReasonCode.TOPIC_FILTER_INVALID;
                } else if (session.unsubscribe(filter)) {
                    codes[i] = (short) MqttReasonCode.SUCCESS;
                    removed.add(filter);
                } else {
                    codes[i] = (short) MqttReasonCode.NO_SUBSCRIPTION_EXISTED;
                }
            }
            MqttUnsubAckMessage unsubAck = new MqttUnsubAckMessage(
                    new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                    new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                    new MqttUnsubAckPayload(codes));
            // As a SUBACK does, the UNSUBACK of a persistent session waits until the store no longer
            // has the subscription (a restart must not bring it back), and follows an earlier SUBACK.
            List<CompletableFuture<Void>> durable = List.of();
            if (!removed.isEmpty()) {
                durable = List.of(session.saveIfPersistent(connection.sessionExpirySeconds()));
                listener.onUnsubscribed(connection.info(), removed);
            }
            SubscriptionAcks.send(connection, session, durable,
                    () -> ctx.channel().write(unsubAck, ctx.channel().voidPromise()));
        });
    }
}
