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
 * [MQTT-3.8.3-5] in 5.0: malformed), and in the properties of an MQTT 5 CONNECT, its will and
 * SUBSCRIBE a property the packet does not define (malformed, section 2.2.2.2; the decoder takes
 * any known property anywhere) or one that may appear once but came more than once (a protocol
 * error; the decoder keeps the last).
 *
 * <p>It follows the packet boundaries of the stream without holding it: every byte is passed on
 * as it came, only the bodies of CONNECT and SUBSCRIBE packets are copied aside to be checked
 * when complete. The bytes of an offending packet never reach the decoder: what came before it is
 * passed on, the connection is then closed (MQTT 5 past CONNACK: DISCONNECT with the reason code)
 * and everything after is dropped. A stream the decoder will reject anyway (a remaining length
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
    /* The first allocation for a collected body; it grows as the rest arrives. */
    private static final int INITIAL_BODY_CAPACITY = 512;
    private static final int SUBSCRIBE = 8;
    private static final int USER_PROPERTY = 0x26;
    private static final int OK = 0;
    /* The properties each packet defines, as bit masks over the property identifiers (all below 64). */
    private static final long CONNECT_PROPERTIES = mask(0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x27, USER_PROPERTY);
    private static final long WILL_PROPERTIES = mask(0x01, 0x02, 0x03, 0x08, 0x09, 0x18, USER_PROPERTY);
    private static final long SUBSCRIBE_PROPERTIES = mask(0x0B, USER_PROPERTY);
    private static final boolean[] KNOWN_PROPERTY = new boolean[64];

    static {
        for (int id : new int[] {0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19,
                0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A}) {
            KNOWN_PROPERTY[id] = true;
        }
    }

    private final int maxPacketSize;
    private final TrafficMeter meter;
    /* Makes the counter of this connection's incomplete packets, at its first one; null: not counted. */
    private final Function<Channel, IncompletePacketBytes> newPacketBytes;
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
        this.maxPacketSize = maxPacketSize;
        this.meter = meter;
        this.newPacketBytes = newPacketBytes;
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
                } else if ((type == CONNECT || type == SUBSCRIBE) && remainingLength > 0) {
                    collectedType = type;
                    collectedLength = remainingLength;
                    // Grown as the body arrives: the few bytes announcing a large packet must not cost its size.
                    collected = ctx.alloc().heapBuffer(Math.min(remainingLength, INITIAL_BODY_CAPACITY), remainingLength);
                } else {
                    toSkip = remainingLength;
                }
            }
        }
        ctx.fireChannelRead(in);
        if (connected && newPacketBytes != null) {
            countIncomplete(ctx.channel(), frameStart, start, end);
        }
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
            return type == CONNECT ? checkConnect(body) : checkSubscribe(body);
        } catch (IndexOutOfBoundsException e) {
            // Truncated: the decoder reports it as malformed.
            return OK;
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
        int reason = checkProperties(body, CONNECT_PROPERTIES);
        if (reason != OK) {
            return reason;
        }
        body.skipBytes(body.readUnsignedShort());
        boolean will = (flags & 0x04) != 0;
        return will ? checkProperties(body, WILL_PROPERTIES) : OK;
    }

    private int checkSubscribe(ByteBuf body) {
        body.skipBytes(2);
        if (mqtt5) {
            int reason = checkProperties(body, SUBSCRIBE_PROPERTIES);
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

    /**
     * Reads a property set: a property outside {@code allowed} is malformed, one but User Property
     * twice a protocol error. An unknown property is left to the decoder, which refuses it.
     *
     * @return {@link #OK} or the reason code
     */
    private static int checkProperties(ByteBuf body, long allowed) {
        int length = readVariableInt(body);
        int end = body.readerIndex() + length;
        long seen = 0;
        while (body.readerIndex() < end) {
            int id = readVariableInt(body);
            if (id >= 64 || !KNOWN_PROPERTY[id]) {
                body.readerIndex(end);
                return OK;
            }
            if ((allowed & (1L << id)) == 0) {
                return MqttReasonCode.MALFORMED_PACKET;
            }
            if (id != USER_PROPERTY) {
                if ((seen & (1L << id)) != 0) {
                    return MqttReasonCode.PROTOCOL_ERROR;
                }
                seen |= 1L << id;
            }
            switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> body.skipBytes(1);
                case 0x13, 0x21, 0x22, 0x23 -> body.skipBytes(2);
                case 0x02, 0x11, 0x18, 0x27 -> body.skipBytes(4);
                case 0x0B -> readVariableInt(body);
                case 0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F -> body.skipBytes(body.readUnsignedShort());
                case USER_PROPERTY -> {
                    body.skipBytes(body.readUnsignedShort());
                    body.skipBytes(body.readUnsignedShort());
                }
                default -> throw new IllegalStateException("property " + id + " has no size");
            }
        }
        body.readerIndex(end);
        return OK;
    }

    private static long mask(int... ids) {
        long mask = 0;
        for (int id : ids) {
            mask |= 1L << id;
        }
        return mask;
    }

    private static int readVariableInt(ByteBuf body) {
        int value = 0;
        int shift = 0;
        int digit;
        do {
            digit = body.readUnsignedByte();
            value |= (digit & 0x7F) << shift;
            shift += 7;
        } while ((digit & 0x80) != 0 && shift < 28);
        return value;
    }
}
