package io.mqttbridge.broker.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttEncoder;

/**
 * The pipeline's one encoder: a PUBLISH built by the broker ({@link OutboundPublish}) into one exactly
 * sized buffer from the allocator's I/O (direct, pooled) buffers (the per-subscriber header, then the
 * message's parts that were encoded once for all subscribers: topic bytes, shared properties, payload),
 * every other MQTT message by Netty's {@link MqttEncoder}; buffers pass through.
 *
 * <p>One handler rather than Netty's encoder beside one of ours: each handler in a pipeline costs
 * every connection a context object (64 bytes), and idle connections are the broker's main memory
 * cost.
 *
 * <p>Why one copied buffer rather than a header plus a shared duplicate of the payload: the native
 * transport copies every heap buffer into a direct one before writing anyway, and a second buffer per
 * packet doubled the pipeline writes, the outbound-buffer entries and the I/O vectors per packet
 * (the profile of fan-in at QoS 0 showed those, not the copy of ~100 bytes).
 */
@ChannelHandler.Sharable
public final class PacketEncoder extends ChannelOutboundHandlerAdapter {

    public static final PacketEncoder INSTANCE = new PacketEncoder();

    private PacketEncoder() {
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof OutboundPublish publish) {
            ctx.write(encode(ctx.alloc(), publish), promise);
        } else {
            MqttEncoder.INSTANCE.write(ctx, msg, promise);
        }
    }

    /** The whole PUBLISH packet in a new buffer from {@code allocator}, which the caller owns. */
    public static ByteBuf encode(ByteBufAllocator allocator, OutboundPublish publish) {
        int remaining = publish.remainingLength();
        ByteBuf packet = allocator.ioBuffer(1 + MqttWire.variableByteIntegerSize(remaining) + remaining);
        int flags = 0x30 | (publish.dup() ? 0x08 : 0) | (publish.qos() << 1) | (publish.retain() ? 0x01 : 0);
        packet.writeByte(flags);
        MqttWire.writeVariableByteInteger(packet, remaining);
        if (publish.sendTopicName()) {
            MqttWire.writeBinary(packet, publish.message().topicUtf8());
        } else {
            packet.writeShort(0);
        }
        if (publish.qos() > 0) {
            packet.writeShort(publish.packetId());
        }
        if (publish.mqtt5()) {
            MqttWire.writeVariableByteInteger(packet, publish.propertiesLength());
            packet.writeBytes(publish.message().sharedProperties());
            if (publish.remainingExpirySeconds() >= 0) {
                packet.writeByte(MqttWire.PROPERTY_MESSAGE_EXPIRY_INTERVAL);
                packet.writeInt((int) publish.remainingExpirySeconds());
            }
            if (publish.topicAlias() > 0) {
                packet.writeByte(MqttWire.PROPERTY_TOPIC_ALIAS);
                packet.writeShort(publish.topicAlias());
            }
            for (int id : publish.subscriptionIdentifiers()) {
                packet.writeByte(MqttWire.PROPERTY_SUBSCRIPTION_IDENTIFIER);
                MqttWire.writeVariableByteInteger(packet, id);
            }
        }
        packet.writeBytes(publish.message().message().payload());
        return packet;
    }
}
