package io.mqttbridge.broker.pipeline;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.limits.IncompletePacketBytes;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Function;

/**
 * Enforces, on the raw bytes in front of Netty's MQTT decoder, the format rules the decoder
 * silently drops: the reserved bits of the SUBSCRIBE options byte ([MQTT-3-8.3-4] in 3.1.1,
 * [MQTT-3.8.3-5] in 5.0: malformed); in the properties of an MQTT 5 CONNECT, its will, SUBSCRIBE,
 * UNSUBSCRIBE, DISCONNECT and AUTH a property the packet does not define ({@link PacketProperties});
 * a body on a 3.1.1 DISCONNECT; and fields that run past the packet's remaining length (malformed:
 * the decoder reads on into the next packets' bytes, or waits for them, with the will unsent).
 *
 * <p>It follows the packet boundaries of the stream without holding it: every byte is passed on
 * as it came, only the bodies of CONNECT, SUBSCRIBE and (MQTT 5) UNSUBSCRIBE, DISCONNECT and AUTH
 * packets are copied aside to be checked when complete. The bytes of such a packet that offends never
 * reach the decoder: what came before it is passed on, the connection is then closed (MQTT 5 past
 * CONNACK: DISCONNECT with the reason code) and everything after is dropped. A field past the end of
 * any other packet shows after a read that ended on a packet boundary (the decoder has then passed on
 * fewer packets than were whole; a comparison per read), and closes the connection the same way.
 * A stream the decoder will reject anyway (a remaining length
 * over four bytes, a packet over the maximum size, an unknown property) is left to the decoder.
 *
 * <p>Being the handler that sees every raw byte of the connection, in and out, it also meters them
 * ({@link TrafficMeter}, shared): one handler rather than two, because each handler in a pipeline
 * costs every connection a context object (64 bytes), and idle connections are the broker's main
 * memory cost. For the same reason it tells {@code limits.maxPendingPacketBytes} how many bytes of an
 * incomplete packet the decoder behind it holds at the end of each read after the CONNECT (most reads end
 * on a packet boundary and cost a comparison).
 *
 * <p>One instance per connection, called on its event loop only.
 */
public final class WireFormatCheck extends ChannelDuplexHandler {

    private static final int CONNECT = 1;
    private static final int SUBSCRIBE = 8;
    private static final int UNSUBSCRIBE = 10;
    private static final int DISCONNECT = 14;
    private static final int AUTH = 15;
    /* The first allocation for a collected body; it grows as the rest arrives. */
    private static final int INITIAL_BODY_CAPACITY = 512;
    private static final int OK = PacketProperties.OK;

    private final int maxPacketSize;
    private final TrafficMeter meter;
    /* Makes the counter of this connection's incomplete packets, at its first one; null: not counted. */
    private final Function<Channel, IncompletePacketBytes> newPacketBytes;
    /* Netty's decoder follows: whether it passed on every whole packet is checked after each read. */
    private final boolean decoderFollows;
    private IncompletePacketBytes packetBytes;
    /* The bytes of the incomplete packet as last counted; 0 at a packet boundary. */
    private long incompleteBytes;
    /* Its CONNECT passed: the packets after it count against limits.maxPendingPacketBytes. */
    private boolean connected;
    /* The first byte of the packet whose remaining length is being read, or -1 between packets. */
    private int firstByte = -1;
    private int remainingLength;
    private int lengthShift;
    /* Body bytes of the current packet still to pass unchecked. */
    private int toSkip;
    /* The body of a CONNECT or SUBSCRIBE being collected, or null. */
    private ByteBuf collected;
    private int collectedType;
    private int collectedLength;
    private boolean mqtt5;
    /* The decoder will reject the stream: nothing more to check. */
    private boolean leftToDecoder;
    /* An offending packet closed the connection: later bytes are dropped. */
    private boolean failed;
    /* The connection, once a read needed it to see how many packets the decoder passed on. */
    private ClientConnection connection;
    /* The packets passed on whole so far. */
    private long packetsPassed;

    /**
     * @param maxPacketSize the broker's maximum packet size; larger packets are the decoder's to refuse
     * @param meter counts the connection and its bytes
     */
    public WireFormatCheck(int maxPacketSize, TrafficMeter meter) {
        this(maxPacketSize, meter, null);
    }

    /**
     * @param newPacketBytes makes the counter of the connection's incomplete packets after its CONNECT (at the
     *     first one); null when they are not counted
     */
    public WireFormatCheck(int maxPacketSize, TrafficMeter meter,
                           Function<Channel, IncompletePacketBytes> newPacketBytes) {
        this(maxPacketSize, meter, newPacketBytes, false);
    }

    /**
     * @param decoderFollows Netty's MQTT decoder is the next handler, and every packet it passes on reaches
     *     {@link ClientConnection#packetReceived} within the read that completed it
     */
    public WireFormatCheck(int maxPacketSize, TrafficMeter meter,
                           Function<Channel, IncompletePacketBytes> newPacketBytes, boolean decoderFollows) {
        this.maxPacketSize = maxPacketSize;
        this.meter = meter;
        this.newPacketBytes = newPacketBytes;
        this.decoderFollows = decoderFollows;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        meter.opened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        meter.closed(ctx.channel());
        if (packetBytes != null) {
            packetBytes.closed();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        meter.readComplete(ctx.channel());
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        meter.written(ctx.channel(), msg);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        meter.flushed(ctx.channel());
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        meter.read(msg);
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (leftToDecoder || !(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        int frameStart = -1;
        int start = in.readerIndex();
        int position = start;
        int end = in.writerIndex();
        while (position < end && !leftToDecoder) {
            if (toSkip > 0) {
                int skipped = Math.min(toSkip, end - position);
                toSkip -= skipped;
                position += skipped;
                if (toSkip == 0) {
                    packetsPassed++;
                }
            } else if (collected != null) {
                int copied = Math.min(collectedLength - collected.readableBytes(), end - position);
                collected.writeBytes(in, position, copied);
                position += copied;
                if (collected.readableBytes() == collectedLength) {
                    int reason = check(collectedType, collected);
                    collected.release();
                    collected = null;
                    if (reason != OK) {
                        refuse(ctx, in, frameStart, reason);
                        return;
                    }
                    connected |= collectedType == CONNECT;
                    packetsPassed++;
                }
            } else if (firstByte < 0) {
                frameStart = position;
                firstByte = in.getUnsignedByte(position++);
                remainingLength = 0;
                lengthShift = 0;
            } else {
                int digit = in.getUnsignedByte(position++);
                remainingLength |= (digit & 0x7F) << lengthShift;
                lengthShift += 7;
                if ((digit & 0x80) != 0) {
                    leftToDecoder = lengthShift >= 28;
                    continue;
                }
                int type = firstByte >> 4;
                firstByte = -1;
                if (remainingLength > maxPacketSize) {
                    // The decoder refuses it at its fixed header and drops the rest: nothing more to check or count.
                    leftToDecoder = true;
                } else if (type == DISCONNECT && connected && !mqtt5 && remainingLength > 0) {
                    // A 3.1.1 DISCONNECT has no body; the decoder would take it as a normal one, and drop the will.
                    refuse(ctx, in, frameStart, MqttReasonCode.MALFORMED_PACKET);
                    return;
                } else if (collects(type) && remainingLength > 0) {
                    collectedType = type;
                    collectedLength = remainingLength;
                    // Grown as the body arrives: the few bytes announcing a large packet must not cost its size.
                    collected = ctx.alloc().heapBuffer(Math.min(remainingLength, INITIAL_BODY_CAPACITY), remainingLength);
                } else {
                    toSkip = remainingLength;
                    if (toSkip == 0) {
                        packetsPassed++;
                    }
                }
            }
        }
        ctx.fireChannelRead(in);
        if (decoderFollows && decoderStopsShort(ctx)) {
            return;
        }
        if (connected && newPacketBytes != null) {
            countIncomplete(ctx.channel(), frameStart, start, end);
        }
    }

    /* The packets whose body is checked here: CONNECT and SUBSCRIBE, and the property sets of MQTT 5's others. */
    private boolean collects(int type) {
        return type == CONNECT || type == SUBSCRIBE
                || mqtt5 && connected && (type == UNSUBSCRIBE || type == DISCONNECT || type == AUTH);
    }

    /**
     * After a read that ended on a packet boundary, the decoder has passed on every packet: one it has not
     * passed on reads a field past the packet's remaining length, and waits for bytes that belong to the next
     * packets (with a keep alive of 0, for ever, the will never sent). Such a packet is malformed.
     */
    private boolean decoderStopsShort(ChannelHandlerContext ctx) {
        if (leftToDecoder || failed || firstByte >= 0 || toSkip > 0 || collected != null) {
            return false;
        }
        if (connection == null) {
            connection = ClientConnection.of(ctx.channel());
        }
        if (connection.packetsReceived() >= packetsPassed || !ctx.channel().isActive()) {
            return false;
        }
        failed = true;
        connection.disconnect(MqttReasonCode.MALFORMED_PACKET, DisconnectInfo.PROTOCOL_ERROR);
        return true;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (collected != null) {
            collected.release();
            collected = null;
        }
        if (packetBytes != null) {
            packetBytes.closed();
        }
    }

    /**
     * Counts the bytes of the packet left incomplete by the read of {@code start..end} (the decoder holds
     * them until it is complete); {@code frameStart} is where the last packet begun in this read began, -1
     * when the read continued one begun earlier.
     */
    private void countIncomplete(Channel channel, int frameStart, int start, int end) {
        boolean incomplete = !leftToDecoder && (firstByte >= 0 || toSkip > 0 || collected != null);
        long bytes = !incomplete ? 0 : frameStart >= 0 ? end - frameStart : incompleteBytes + end - start;
        if (bytes == 0 && incompleteBytes == 0) {
            // The usual read: whole packets.
            return;
        }
        if (packetBytes == null) {
            packetBytes = newPacketBytes.apply(channel);
        }
        packetBytes.holding(bytes, frameStart >= 0);
        incompleteBytes = bytes;
    }

    /**
     * Passes on what {@code in} holds before the offending packet ({@code frameStart}, -1 when it
     * began in an earlier read), drops the rest and closes the connection.
     */
    private void refuse(ChannelHandlerContext ctx, ByteBuf in, int frameStart, int reason) {
        failed = true;
        int cut = frameStart < 0 ? in.readerIndex() : frameStart;
        if (cut > in.readerIndex()) {
            ctx.fireChannelRead(in.retainedSlice(in.readerIndex(), cut - in.readerIndex()));
        }
        in.release();
        ClientConnection.of(ctx.channel()).disconnect(reason, DisconnectInfo.PROTOCOL_ERROR);
    }

    /** @return {@link #OK}, or the reason code the packet is refused with */
    private int check(int type, ByteBuf body) {
        try {
            return switch (type) {
                case CONNECT -> checkConnect(body);
                case SUBSCRIBE -> checkSubscribe(body);
                case UNSUBSCRIBE -> checkUnsubscribe(body);
                default -> checkReasonAndProperties(body, type == DISCONNECT ? PacketProperties.DISCONNECT
                        : PacketProperties.AUTH);
            };
        } catch (IndexOutOfBoundsException e) {
            // A field runs past the packet's remaining length [MQTT 5, 1.5.4 and 4.13; 3.1.1, 4.8].
            return MqttReasonCode.MALFORMED_PACKET;
        }
    }

    private int checkConnect(ByteBuf body) {
        body.skipBytes(body.readUnsignedShort());
        mqtt5 = body.readUnsignedByte() == 5;
        int flags = body.readUnsignedByte();
        body.skipBytes(2);
        if (!mqtt5) {
            return OK;
        }
        int reason = PacketProperties.check(body, PacketProperties.CONNECT);
        if (reason != OK) {
            return reason;
        }
        body.skipBytes(body.readUnsignedShort());
        boolean will = (flags & 0x04) != 0;
        return will ? PacketProperties.check(body, PacketProperties.WILL) : OK;
    }

    private static int checkUnsubscribe(ByteBuf body) {
        body.skipBytes(2);
        return PacketProperties.check(body, PacketProperties.UNSUBSCRIBE);
    }

    /* An MQTT 5 DISCONNECT or AUTH: a reason code, then properties when the packet is longer than one byte. */
    private static int checkReasonAndProperties(ByteBuf body, long allowed) {
        body.skipBytes(1);
        int reason = body.isReadable() ? PacketProperties.check(body, allowed) : OK;
        return reason == OK && body.isReadable() ? MqttReasonCode.MALFORMED_PACKET : reason;
    }

    private int checkSubscribe(ByteBuf body) {
        body.skipBytes(2);
        if (mqtt5) {
            int reason = PacketProperties.check(body, PacketProperties.SUBSCRIBE);
            if (reason != OK) {
                return reason;
            }
        }
        // 3.1.1 has only the QoS in the options byte; 5.0 adds No Local, Retain As Published and Retain Handling.
        int reserved = mqtt5 ? 0xC0 : 0xFC;
        while (body.isReadable()) {
            body.skipBytes(body.readUnsignedShort());
            if ((body.readUnsignedByte() & reserved) != 0) {
                return MqttReasonCode.MALFORMED_PACKET;
            }
        }
        return OK;
    }
}
