package io.mqttbridge.testing.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare MQTT client over a plain socket, for what real client libraries do not let a test do:
 * hand-made (also malformed) bytes for protocol error paths, or a QoS 2 PUBLISH retransmitted with
 * DUP at a moment of the test's choosing.
 *
 * <p>Two ways to use it, on the same connection: bytes ({@link #send(byte[])} with the static
 * packet builders, {@link #read()} for the next {@link Packet}) or Netty's MQTT codec
 * ({@link #openConnected}, {@link #send(MqttMessage)}, {@link #next(int)} for the next decoded
 * message). A reader thread collects what the server sends, so a test can also wait for silence
 * ({@link #nothingReceived()}).
 */
public final class RawMqttClient implements AutoCloseable {

    private static final int READ_TIMEOUT_SECONDS = 5;
    /* Marks the end of the stream in the queue; the server closed the connection. */
    private static final Packet CLOSED = new Packet(-1, new byte[0]);

    /** A packet read back: its first byte (type and flags) and its body. */
    public record Packet(int firstByte, byte[] body) {
        public int type() {
            return firstByte >> 4;
        }
    }

    private final Socket socket;
    private final BlockingQueue<Packet> received = new LinkedBlockingQueue<>();
    private final EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
    private final EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder());
    private boolean closedSeen;

    /** Opens a socket to the broker on 127.0.0.1; sends nothing yet. */
    public RawMqttClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        Thread reader = new Thread(() -> readAll(in), "raw-mqtt-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects as MQTT 3.1.1 with a clean session and waits for an accepting CONNACK. */
    public static RawMqttClient openConnected(int port, String clientId) throws Exception {
        RawMqttClient client = new RawMqttClient(port);
        client.send(MqttMessageBuilders.connect().clientId(clientId).protocolVersion(MqttVersion.MQTT_3_1_1)
                .cleanSession(true).keepAlive(0).build());
        MqttMessage connack = client.next(10);
        if (!(connack instanceof MqttConnAckMessage ack)
                || ack.variableHeader().connectReturnCode() != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            client.close();
            throw new IllegalStateException("connection not accepted: " + connack);
        }
        return client;
    }

    public void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** Encodes {@code message} with Netty's MQTT codec and sends it. */
    public void send(MqttMessage message) {
        encoder.writeOutbound(message);
        try {
            ByteBuf encoded;
            while ((encoded = encoder.readOutbound()) != null) {
                try {
                    byte[] bytes = new byte[encoded.readableBytes()];
                    encoded.readBytes(bytes);
                    socket.getOutputStream().write(bytes);
                } finally {
                    encoded.release();
                }
            }
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void publishQos2(String topic, int packetId, byte[] payload, boolean dup) {
        send(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.EXACTLY_ONCE, false, 0),
                new MqttPublishVariableHeader(topic, packetId), Unpooled.wrappedBuffer(payload)));
    }

    public void pubrel(int packetId) {
        send(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 2),
                MqttMessageIdVariableHeader.from(packetId)));
    }

    /**
     * The next packet, or {@code null} when the server closed the connection.
     *
     * @throws AssertionError when neither a packet nor the close came within 5 seconds
     */
    public Packet read() throws IOException {
        Packet packet = poll(READ_TIMEOUT_SECONDS);
        if (packet == null) {
            throw new AssertionError("no packet and no close within " + READ_TIMEOUT_SECONDS + " s");
        }
        return packet == CLOSED ? null : packet;
    }

    /** Reads until the server closes; returns the packets seen before. */
    public List<Packet> readUntilClosed() throws IOException {
        List<Packet> packets = new ArrayList<>();
        Packet packet;
        while ((packet = read()) != null) {
            packets.add(packet);
        }
        return packets;
    }

    /** The next packet from the server decoded by Netty's MQTT codec, or {@code null} after {@code seconds}. */
    public MqttMessage next(int seconds) throws InterruptedException {
        Packet packet = poll(seconds);
        if (packet == null || packet == CLOSED) {
            return null;
        }
        decoder.writeInbound(Unpooled.wrappedBuffer(packet(packet.firstByte(), packet.body())));
        return decoder.readInbound();
    }

    /** Whether no packet from the server waits to be read. */
    public boolean nothingReceived() {
        Packet head = received.peek();
        return head == null || head == CLOSED;
    }

    /** @return {@code TYPE:packetId}, e.g. {@code PUBREC:7}, for assertions */
    public static String describe(MqttMessage message) {
        String type = message.fixedHeader().messageType().name();
        return message.variableHeader() instanceof MqttMessageIdVariableHeader id ? type + ":" + id.messageId() : type;
    }

    private Packet poll(int seconds) {
        if (closedSeen) {
            return CLOSED;
        }
        try {
            Packet packet = received.poll(seconds, TimeUnit.SECONDS);
            if (packet == CLOSED) {
                closedSeen = true;
            }
            return packet;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a packet", e);
        }
    }

    private void readAll(DataInputStream in) {
        try {
            while (true) {
                int first = in.read();
                if (first < 0) {
                    return;
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
                received.add(new Packet(first, body));
            }
        } catch (IOException e) {
            // The socket closed or was reset: the test sees no further packets.
        } finally {
            received.add(CLOSED);
        }
    }

    public static byte[] connect(int level, String clientId, boolean clean, int keepAlive) {
        return connect(level, clientId, clean, keepAlive, null, null);
    }

    public static byte[] connect(int level, String clientId, boolean clean, int keepAlive, String willTopic,
                                 String willPayload) {
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
    public static byte[] connect5(String clientId, boolean clean, int keepAlive, byte[] properties) {
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
    public static byte[] connect5WithWill(String clientId, boolean clean, byte[] properties, byte[] willProperties,
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
    public static byte[] publish5(int qos, String topic, int packetId, String payload, byte[] properties) {
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
    public static byte[] subscribe(int packetId, String filter, int options, boolean mqtt5) {
        ByteArrayOutputStream body = filterPacketBody(packetId, filter, mqtt5);
        body.write(options);
        return packet(0x82, body.toByteArray());
    }

    public static byte[] unsubscribe(int packetId, String filter, boolean mqtt5) {
        ByteArrayOutputStream body = filterPacketBody(packetId, filter, mqtt5);
        return packet(0xA2, body.toByteArray());
    }

    /** Packet id, (MQTT 5) empty properties and one topic filter: the start of SUBSCRIBE and UNSUBSCRIBE. */
    private static ByteArrayOutputStream filterPacketBody(int packetId, String filter, boolean mqtt5) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId & 0xFF);
        if (mqtt5) {
            body.write(0);
        }
        writeString(body, filter);
        return body;
    }

    public static byte[] publish(int qos, String topic, int packetId, String payload, boolean mqtt5) {
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

    /** A packet of {@code firstByte} and {@code body}, with the remaining length encoded between. */
    public static byte[] packet(int firstByte, byte[] body) {
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

    public static void writeString(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }

    @Override
    public void close() throws IOException {
        socket.close();
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
    }
}
