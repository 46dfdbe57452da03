package io.mqttbridge.broker.pipeline;

import io.mqttbridge.broker.handler.disconnect.DisconnectHandler;
import io.mqttbridge.broker.handler.ping.PingHandler;
import io.mqttbridge.broker.handler.publish.OutboundAckHandler;
import io.mqttbridge.broker.handler.publish.PublishHandler;
import io.mqttbridge.broker.handler.subscribe.SubscribeHandler;
import io.mqttbridge.broker.handler.subscribe.UnsubscribeHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;

/**
 * Hands each packet of a connected client to the handler of its type, in one pipeline slot.
 * The packet handlers hold no per-connection state, so one context serves them all: every
 * pipeline context costs each connection 64 bytes, which adds up over hundreds of thousands of
 * idle connections. A handler called here sees this dispatcher's context; since each one only
 * receives its own packet types, none of them passes a packet on. Packets of no other type
 * (DISCONNECT, and anything unexpected) go to the {@link DisconnectHandler}, which releases what
 * it does not handle. Connection-level events go to the handlers that react to them.
 */
@ChannelHandler.Sharable
public final class PacketDispatcher extends ChannelInboundHandlerAdapter {

    private final PublishHandler publish;
    private final OutboundAckHandler outboundAcks;
    private final SubscribeHandler subscribe;
    private final UnsubscribeHandler unsubscribe;
    private final PingHandler ping;
    private final DisconnectHandler disconnect;

    public PacketDispatcher(PublishHandler publish, OutboundAckHandler outboundAcks, SubscribeHandler subscribe,
                            UnsubscribeHandler unsubscribe, PingHandler ping, DisconnectHandler disconnect) {
        this.publish = publish;
        this.outboundAcks = outboundAcks;
        this.subscribe = subscribe;
        this.unsubscribe = unsubscribe;
        this.ping = ping;
        this.disconnect = disconnect;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage message)) {
            disconnect.channelRead(ctx, msg);
            return;
        }
        switch (message.fixedHeader().messageType()) {
            case PUBLISH, PUBREL -> publish.channelRead(ctx, msg);
            case PUBACK, PUBREC, PUBCOMP -> outboundAcks.channelRead(ctx, msg);
            case SUBSCRIBE -> subscribe.channelRead(ctx, msg);
            case UNSUBSCRIBE -> unsubscribe.channelRead(ctx, msg);
            case PINGREQ -> ping.channelRead(ctx, msg);
            default -> disconnect.channelRead(ctx, msg);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        outboundAcks.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        disconnect.exceptionCaught(ctx, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disconnect.channelInactive(ctx);
    }
}
