package io.mqttbridge.broker.e2e;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Writes hand-made MQTT bytes over a plain socket and reads packets back, for protocol error paths. */
final class RawMqttClient implements AutoCloseable {

    /** A packet read back: first byte and body. */
    record Packet(int firstByte, byte[] body) {
        int type() {
            return firstByte >> 4;
        }
    }

    private final Socket socket;
    private final DataInputStream in;

    RawMqttClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = new DataInputStream(socket.getInputStream());
    }

    void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** The next packet, or {@code null} when the server closed the connection. */
    Packet read() throws IOException {
        int first;
        try {
            first = in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no packet and no close within 5 s");
        } catch (IOException e) {
            return null;
        }
        if (first < 0) {
            return null;
        }
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.read();
            if (digit < 0) {
                throw new EOFException();
            }
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        return new Packet(first, body);
    }

    /** Reads until the server closes; returns the packets seen before. */
    java.util.List<Packet> readUntilClosed() throws IOException {
        java.util.List<Packet> packets = new java.util.ArrayList<>();
        Packet packet;
        while ((packet = read()) != null) {
            packets.add(packet);
        }
        return packets;
    }

    static byte[] connect(int level, String clientId, boolean clean, int keepAlive) {
        return connect(level, clientId, clean, keepAlive, null, null);
    }

    static byte[] connect(int level, String clientId, boolean clean, int keepAlive, String willTopic, String willPayload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(level);
        int flags = clean ? 0x02 : 0;
        if (willTopic != null) {
            flags |= 0x04 | (1 << 3);
        }
        body.write(flags);
        body.write(keepAlive >> 8);
        body.write(keepAlive & 0xFF);
        if (level == 5) {
            body.write(0);
        }
        writeString(body, clientId);
        if (willTopic != null) {
            if (level == 5) {
                body.write(0);
            }
            writeString(body, willTopic);
            writeString(body, willPayload);
        }
        return packet(0x10, body.toByteArray());
    }

    /** An MQTT 5 CONNECT with the given encoded properties (without their length prefix). */
    static byte[] connect5(String clientId, boolean clean, int keepAlive, byte[] properties) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(5);
        body.write(clean ? 0x02 : 0);
        body.write(keepAlive >> 8);
        body.write(keepAlive & 0xFF);
        body.write(properties.length);
        body.writeBytes(properties);
        writeString(body, clientId);
        return packet(0x10, body.toByteArray());
    }

    /** An MQTT 5 CONNECT with a QoS 1 will carrying {@code willProperties}. */
    static byte[] connect5WithWill(String clientId, boolean clean, byte[] properties, byte[] willProperties,
                                   String willTopic, String willPayload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(5);
        body.write((clean ? 0x02 : 0) | 0x04 | (1 << 3));
        body.write(0);
        body.write(60);
        body.write(properties.length);
        body.writeBytes(properties);
        writeString(body, clientId);
        body.write(willProperties.length);
        body.writeBytes(willProperties);
        writeString(body, willTopic);
        writeString(body, willPayload);
        return packet(0x10, body.toByteArray());
    }

    /** An MQTT 5 PUBLISH with the given encoded properties. */
    static byte[] publish5(int qos, String topic, int packetId, String payload, byte[] properties) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        body.write(properties.length);
        body.writeBytes(properties);
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        return packet(0x30 | (qos << 1), body.toByteArray());
    }

    /** SUBSCRIBE to one filter; {@code options} is the subscription options byte; MQTT 5 adds an empty property set. */
    static byte[] subscribe(int packetId, String filter, int options, boolean mqtt5) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId & 0xFF);
        if (mqtt5) {
            body.write(0);
        }
        writeString(body, filter);
        body.write(options);
        return packet(0x82, body.toByteArray());
    }

    static byte[] publish(int qos, String topic, int packetId, String payload, boolean mqtt5) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        if (mqtt5) {
            body.write(0);
        }
        body.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        return packet(0x30 | (qos << 1), body.toByteArray());
    }

    static byte[] packet(int firstByte, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(firstByte);
        int length = body.length;
        do {
            int digit = length & 0x7F;
            length >>>= 7;
            if (length > 0) {
                digit |= 0x80;
            }
            out.write(digit);
        } while (length > 0);
        out.writeBytes(body);
        return out.toByteArray();
    }

    static void writeString(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
