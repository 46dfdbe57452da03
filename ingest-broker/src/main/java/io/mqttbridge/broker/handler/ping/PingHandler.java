package io.mqttbridge.broker.handler.ping;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;

/** Answers PINGREQ with PINGRESP. Any packet already resets the keep-alive timer. */
@ChannelHandler.Sharable
public final class PingHandler extends ChannelInboundHandlerAdapter {

    private static final MqttMessage PINGRESP =
            new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttMessage message && message.fixedHeader().messageType() == MqttMessageType.PINGREQ) {
            ctx.writeAndFlush(PINGRESP);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
