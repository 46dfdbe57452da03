package io.mqttbridge.broker.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Encodes {@link OutboundPublish} as a small per-subscriber header followed by the message's shared
 * payload buffer (a retained duplicate, never a copy), so a message routed to many subscribers is
 * encoded once.
 */
@ChannelHandler.Sharable
public final class PublishEncoder extends MessageToMessageEncoder<OutboundPublish> {

    public PublishEncoder() {
        super(OutboundPublish.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, OutboundPublish publish, List<Object> out) {
        int remaining = publish.remainingLength();
        int headerLength = 1 + MqttWire.variableByteIntegerSize(remaining) + remaining
                - publish.message().payload().readableBytes();
        ByteBuf header = ctx.alloc().buffer(headerLength);
        int flags = 0x30 | (publish.dup() ? 0x08 : 0) | (publish.qos() << 1) | (publish.retain() ? 0x01 : 0);
        header.writeByte(flags);
        MqttWire.writeVariableByteInteger(header, remaining);
        if (publish.sendTopicName()) {
            MqttWire.writeBinary(header, publish.message().topicUtf8());
        } else {
            header.writeShort(0);
        }
        if (publish.qos() > 0) {
            header.writeShort(publish.packetId());
        }
        if (publish.mqtt5()) {
            MqttWire.writeVariableByteInteger(header, publish.propertiesLength());
            header.writeBytes(publish.message().sharedProperties());
            if (publish.remainingExpirySeconds() >= 0) {
                header.writeByte(MqttWire.PROPERTY_MESSAGE_EXPIRY_INTERVAL);
                header.writeInt((int) publish.remainingExpirySeconds());
            }
            if (publish.topicAlias() > 0) {
                header.writeByte(MqttWire.PROPERTY_TOPIC_ALIAS);
                header.writeShort(publish.topicAlias());
            }
            for (int id : publish.subscriptionIdentifiers()) {
                header.writeByte(MqttWire.PROPERTY_SUBSCRIPTION_IDENTIFIER);
                MqttWire.writeVariableByteInteger(header, id);
            }
        }
        out.add(header);
        if (publish.message().payload().isReadable()) {
            out.add(publish.message().payload().retainedDuplicate());
        }
    }
}
