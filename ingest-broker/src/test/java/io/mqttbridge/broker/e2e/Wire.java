package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-made MQTT packets with every flag and property under the test's control, and readers for
 * what the broker answers, for the conformance tests that check the specification byte by byte.
 */
final class Wire {

    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBACK = 9;
    static final int UNSUBACK = 11;
    static final int DISCONNECT = 14;

    private Wire() {
    }

    /** MQTT 5 properties, written in the order they are added. */
    static final class Props {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Props u8(int id, int value) {
            out.write(id);
            out.write(value);
            return this;
        }

        Props u16(int id, int value) {
            out.write(id);
            out.write(value >> 8);
            out.write(value & 0xFF);
            return this;
        }

        Props u32(int id, long value) {
            out.write(id);
            out.writeBytes(ByteBuffer.allocate(4).putInt((int) value).array());
            return this;
        }

        Props varInt(int id, int value) {
            out.write(id);
            writeVarInt(out, value);
            return this;
        }

        Props string(int id, String value) {
            out.write(id);
            RawMqttClient.writeString(out, value);
            return this;
        }

        Props binary(int id, byte[] value) {
            out.write(id);
            out.write(value.length >> 8);
            out.write(value.length & 0xFF);
            out.writeBytes(value);
            return this;
        }

        Props user(String key, String value) {
            out.write(0x26);
            RawMqttClient.writeString(out, key);
            RawMqttClient.writeString(out, value);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    static Props props() {
        return new Props();
    }

    static void writeVarInt(ByteArrayOutputStream out, int value) {
        do {
            int digit = value & 0x7F;
            value >>>= 7;
            if (value > 0) {
                digit |= 0x80;
            }
            out.write(digit);
        } while (value > 0);
    }

    /** A CONNECT with the given flags byte; {@code props} null for MQTT 3.1.1. */
    static byte[] connect(int level, int flags, int keepAlive, byte[] props, String clientId, byte[] willProps,
                          String willTopic, byte[] willPayload, String username, byte[] password) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        RawMqttClient.writeString(body, level == 3 ? "MQIsdp" : "MQTT");
        body.write(level);
        body.write(flags);
        body.write(keepAlive >> 8);
        body.write(keepAlive & 0xFF);
        if (level == 5) {
            writeProps(body, props);
        }
        RawMqttClient.writeString(body, clientId);
        if (willTopic != null) {
            if (level == 5) {
                writeProps(body, willProps);
            }
            RawMqttClient.writeString(body, willTopic);
            writeBinary(body, willPayload);
        }
        if (username != null) {
            RawMqttClient.writeString(body, username);
        }
        if (password != null) {
            writeBinary(body, password);
        }
        return RawMqttClient.packet(0x10, body.toByteArray());
    }

    static byte[] connect5(String clientId, boolean clean, byte[] props) {
        return connect(5, clean ? 0x02 : 0, 60, props, clientId, null, null, null, null, null);
    }

    /** An MQTT 5 CONNECT with a will of {@code willQos} and {@code willRetain}. */
    static byte[] connect5WithWill(String clientId, byte[] props, byte[] willProps, String willTopic, String payload,
                                   int willQos, boolean willRetain) {
        int flags = 0x02 | 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
        return connect(5, flags, 60, props, clientId, willProps, willTopic,
                payload.getBytes(StandardCharsets.UTF_8), null, null);
    }

    /** A PUBLISH of any first byte (flags included), packet id written when QoS bits are set. */
    static byte[] publish(int firstByte, String topic, int packetId, byte[] props, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        RawMqttClient.writeString(body, topic);
        if ((firstByte & 0x06) != 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        if (props != null) {
            writeProps(body, props);
        }
        body.writeBytes(payload);
        return RawMqttClient.packet(firstByte, body.toByteArray());
    }

    static byte[] publish(boolean mqtt5, int qos, boolean retain, String topic, int packetId, String payload) {
        return publish(0x30 | (qos << 1) | (retain ? 1 : 0), topic, packetId, mqtt5 ? new byte[0] : null,
                payload.getBytes(StandardCharsets.UTF_8));
    }

    /** A SUBSCRIBE of several filters, each followed by its options byte; {@code props} null for 3.1.1. */
    static byte[] subscribe(int firstByte, int packetId, byte[] props, Object... filtersAndOptions) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId & 0xFF);
        if (props != null) {
            writeProps(body, props);
        }
        for (int i = 0; i < filtersAndOptions.length; i += 2) {
            RawMqttClient.writeString(body, (String) filtersAndOptions[i]);
            body.write((Integer) filtersAndOptions[i + 1]);
        }
        return RawMqttClient.packet(firstByte, body.toByteArray());
    }

    static byte[] unsubscribe(int firstByte, int packetId, boolean mqtt5, String... filters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId & 0xFF);
        if (mqtt5) {
            body.write(0);
        }
        for (String filter : filters) {
            RawMqttClient.writeString(body, filter);
        }
        return RawMqttClient.packet(firstByte, body.toByteArray());
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP: {@code firstByte} and the packet id, no reason code. */
    static byte[] ack(int firstByte, int packetId) {
        return RawMqttClient.packet(firstByte, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    static byte[] disconnect5(int reason, byte[] props) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(reason);
        writeProps(body, props);
        return RawMqttClient.packet(0xE0, body.toByteArray());
    }

    private static void writeProps(ByteArrayOutputStream body, byte[] props) {
        writeVarInt(body, props.length);
        body.writeBytes(props);
    }

    private static void writeBinary(ByteArrayOutputStream body, byte[] bytes) {
        body.write(bytes.length >> 8);
        body.write(bytes.length & 0xFF);
        body.writeBytes(bytes);
    }

    /** One property read back. */
    record Property(int id, Object value) {
    }

    /** A PUBLISH read back. */
    record Publish(int qos, boolean dup, boolean retain, String topic, int packetId, List<Property> props,
                   String payload) {

        Object prop(int id) {
            return props.stream().filter(p -> p.id() == id).map(Property::value).findFirst().orElse(null);
        }

        List<Object> all(int id) {
            return props.stream().filter(p -> p.id() == id).map(Property::value).toList();
        }
    }

    static Publish parsePublish(Packet packet, boolean mqtt5) {
        if (packet == null || packet.type() != PUBLISH) {
            throw new AssertionError("expected PUBLISH, got " + describe(packet));
        }
        ByteBuffer in = ByteBuffer.wrap(packet.body());
        int qos = (packet.firstByte() >> 1) & 3;
        String topic = readString(in);
        int packetId = qos > 0 ? in.getShort() & 0xFFFF : 0;
        List<Property> props = mqtt5 ? readProps(in) : List.of();
        byte[] payload = new byte[in.remaining()];
        in.get(payload);
        return new Publish(qos, (packet.firstByte() & 0x08) != 0, (packet.firstByte() & 1) != 0, topic, packetId,
                props, new String(payload, StandardCharsets.UTF_8));
    }

    /** The reason codes (return codes in 3.1.1) of a SUBACK or an MQTT 5 UNSUBACK. */
    static List<Integer> reasonCodes(Packet packet, boolean mqtt5) {
        if (packet == null || (packet.type() != SUBACK && packet.type() != UNSUBACK)) {
            throw new AssertionError("expected SUBACK/UNSUBACK, got " + describe(packet));
        }
        ByteBuffer in = ByteBuffer.wrap(packet.body());
        in.getShort();
        if (mqtt5) {
            readProps(in);
        }
        List<Integer> codes = new ArrayList<>();
        while (in.hasRemaining()) {
            codes.add(in.get() & 0xFF);
        }
        return codes;
    }

    /** The CONNACK's properties (MQTT 5). */
    static List<Property> connAckProps(Packet packet) {
        ByteBuffer in = ByteBuffer.wrap(packet.body());
        in.getShort();
        return readProps(in);
    }

    /** The reason code of a DISCONNECT, or of a PUBACK/PUBREC with one (0 when absent). */
    static int reasonOf(Packet packet) {
        if (packet == null) {
            throw new AssertionError("expected a packet, the connection closed");
        }
        int offset = packet.type() == DISCONNECT ? 0 : 2;
        return packet.body().length > offset ? packet.body()[offset] & 0xFF : 0;
    }

    static int packetIdOf(Packet packet) {
        return ((packet.body()[0] & 0xFF) << 8) | (packet.body()[1] & 0xFF);
    }

    static String describe(Packet packet) {
        return packet == null ? "close" : "type " + packet.type() + " flags " + (packet.firstByte() & 0x0F);
    }

    static List<Property> readProps(ByteBuffer in) {
        int length = readVarInt(in);
        int end = in.position() + length;
        List<Property> props = new ArrayList<>();
        while (in.position() < end) {
            int id = in.get() & 0xFF;
            Object value = switch (id) {
                case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> in.get() & 0xFF;
                case 0x13, 0x21, 0x22, 0x23 -> in.getShort() & 0xFFFF;
                case 0x02, 0x11, 0x18, 0x27 -> in.getInt() & 0xFFFFFFFFL;
                case 0x0B -> readVarInt(in);
                case 0x09, 0x16 -> readBinary(in);
                case 0x26 -> readString(in) + "=" + readString(in);
                default -> readString(in);
            };
            props.add(new Property(id, value));
        }
        return props;
    }

    private static int readVarInt(ByteBuffer in) {
        int value = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.get() & 0xFF;
            value += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        return value;
    }

    private static String readString(ByteBuffer in) {
        return new String(readBinary(in), StandardCharsets.UTF_8);
    }

    private static byte[] readBinary(ByteBuffer in) {
        byte[] bytes = new byte[in.getShort() & 0xFFFF];
        in.get(bytes);
        return bytes;
    }
}
