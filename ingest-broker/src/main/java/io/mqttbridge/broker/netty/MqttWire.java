package io.mqttbridge.broker.netty;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** Low-level MQTT wire encoding used where the broker encodes PUBLISH itself (to share payloads). */
public final class MqttWire {

    public static final int PROPERTY_PAYLOAD_FORMAT_INDICATOR = 0x01;
    public static final int PROPERTY_MESSAGE_EXPIRY_INTERVAL = 0x02;
    public static final int PROPERTY_CONTENT_TYPE = 0x03;
    public static final int PROPERTY_RESPONSE_TOPIC = 0x08;
    public static final int PROPERTY_CORRELATION_DATA = 0x09;
    public static final int PROPERTY_SUBSCRIPTION_IDENTIFIER = 0x0B;
    public static final int PROPERTY_TOPIC_ALIAS = 0x23;
    public static final int PROPERTY_USER_PROPERTY = 0x26;

    private MqttWire() {
    }

    public static int variableByteIntegerSize(int value) {
        if (value < 128) {
            return 1;
        }
        if (value < 16_384) {
            return 2;
        }
        if (value < 2_097_152) {
            return 3;
        }
        return 4;
    }

    public static void writeVariableByteInteger(ByteBuf out, int value) {
        do {
            int digit = value & 0x7F;
            value >>>= 7;
            if (value > 0) {
                digit |= 0x80;
            }
            out.writeByte(digit);
        } while (value > 0);
    }

    public static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static void writeBinary(ByteBuf out, byte[] bytes) {
        out.writeShort(bytes.length);
        out.writeBytes(bytes);
    }

    public static void writeString(ByteBuf out, String text) {
        writeBinary(out, utf8(text));
    }
}
