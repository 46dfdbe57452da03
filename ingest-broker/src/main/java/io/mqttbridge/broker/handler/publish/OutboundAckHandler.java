package io.mqttbridge.broker.handler.publish;

import io.mqttbridge.broker.session.Session;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;

/**
 * PUBACK, PUBREC and PUBCOMP from the client for messages the broker sent, handed to the session's
 * {@link io.mqttbridge.broker.session.OutboundQosFlows} on its executor, and resuming delivery when
 * the socket becomes writable again.
 */
@ChannelHandler.Sharable
public final class OutboundAckHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage message)) {
            ctx.fireChannelRead(msg);
            return;
        }
        MqttMessageType type = message.fixedHeader().messageType();
        if (type != MqttMessageType.PUBACK && type != MqttMessageType.PUBREC && type != MqttMessageType.PUBCOMP) {
            ctx.fireChannelRead(msg);
            return;
        }
        Session session = Session.of(ctx.channel());
        if (session == null) {
            return;
        }
        int packetId = ((MqttMessageIdVariableHeader) message.variableHeader()).messageId();
        int reasonCode = message.variableHeader() instanceof MqttPubReplyMessageVariableHeader reply
                ? reply.reasonCode() & 0xFF : 0;
        switch (type) {
            case PUBACK -> session.execute(() -> session.outbound().onPubAck(packetId));
            case PUBREC -> session.execute(() -> session.outbound().onPubRec(packetId, reasonCode));
            default -> session.execute(() -> session.outbound().onPubComp(packetId));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Session session = Session.of(ctx.channel());
        if (session != null && ctx.channel().isWritable()) {
            session.execute(() -> session.outbound().pump());
        }
        ctx.fireChannelWritabilityChanged();
    }
}
