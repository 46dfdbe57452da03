package io.mqttbridge.broker.pipeline;

import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.buffer.ByteBuf;

/**
 * The MQTT 5 property rules {@link WireFormatCheck} enforces that Netty's decoder does not: which
 * properties each packet defines (another known one is malformed, section 2.2.2.2; the decoder takes
 * any known property anywhere) and which may appear once (twice is a protocol error; the decoder keeps
 * the last).
 *
 * <p>Stateless; reads the given buffer from its reader index.
 */
final class PacketProperties {

    static final int OK = 0;
    static final int USER_PROPERTY = 0x26;
    /* The properties each packet defines, as bit masks over the property identifiers (all below 64). */
    static final long CONNECT = mask(0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x27, USER_PROPERTY);
    static final long WILL = mask(0x01, 0x02, 0x03, 0x08, 0x09, 0x18, USER_PROPERTY);
    static final long SUBSCRIBE = mask(0x0B, USER_PROPERTY);
    static final long UNSUBSCRIBE = mask(USER_PROPERTY);
    /* Session Expiry Interval, Reason String, Server Reference, User Property [MQTT 5, 3.14.2.2]. */
    static final long DISCONNECT = mask(0x11, 0x1F, 0x1C, USER_PROPERTY);
    /* Authentication Method and Data, Reason String, User Property [MQTT 5, 3.15.2.2]. */
    static final long AUTH = mask(0x15, 0x16, 0x1F, USER_PROPERTY);
    private static final boolean[] KNOWN = new boolean[64];

    static {
        for (int id : new int[] {0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19,
                0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A}) {
            KNOWN[id] = true;
        }
    }

    private PacketProperties() {
    }

    /**
     * Reads a property set: a property outside {@code allowed} is malformed, one but User Property
     * twice a protocol error. An unknown property is left to the decoder, which refuses it.
     *
     * @return {@link #OK} or the reason code
     * @throws IndexOutOfBoundsException when the set runs past the end of {@code body}
     */
    static int check(ByteBuf body, long allowed) {
        int length = readVariableInt(body);
        int end = body.readerIndex() + length;
        long seen = 0;
        while (body.readerIndex() < end) {
            int id = readVariableInt(body);
            if (id >= 64 || !KNOWN[id]) {
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
