package io.mqttbridge.kafka.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare MQTT 3.1.1 client over a plain socket, for what real client libraries do not let a test
 * do, such as retransmitting a QoS 2 PUBLISH with DUP at a moment of the test's choosing. Packets
 * are encoded and decoded with Netty's MQTT codec; received packets queue up in {@link #received()}.
 */
public final class RawMqttClient implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
    private final BlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
    private final Thread reader;

    private RawMqttClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        this.reader = new Thread(() -> read(in), "raw-mqtt-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Connects with a clean session and waits for an accepting CONNACK. */
    public static RawMqttClient connect(int port, String clientId) throws Exception {
        RawMqttClient client = new RawMqttClient(new Socket("127.0.0.1", port));
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

    public void publishQos2(String topic, int packetId, byte[] payload, boolean dup) {
        send(new MqttPublishMessage(new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.EXACTLY_ONCE, false, 0),
                new MqttPublishVariableHeader(topic, packetId), Unpooled.wrappedBuffer(payload)));
    }

    public void pubrel(int packetId) {
        send(new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 2),
                MqttMessageIdVariableHeader.from(packetId)));
    }

    /** Packets received from the broker, in order; taken from by the test. */
    public BlockingQueue<MqttMessage> received() {
        return received;
    }

    /** The next packet from the broker, or {@code null} after {@code seconds}. */
    public MqttMessage next(int seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }

    /** @return {@code TYPE:packetId}, e.g. {@code PUBREC:7}, for assertions */
    public static String describe(MqttMessage message) {
        String type = message.fixedHeader().messageType().name();
        return message.variableHeader() instanceof MqttMessageIdVariableHeader id ? type + ":" + id.messageId() : type;
    }

    private void send(MqttMessage message) {
        encoder.writeOutbound(message);
        try {
            ByteBuf encoded;
            while ((encoded = encoder.readOutbound()) != null) {
                try {
                    byte[] bytes = new byte[encoded.readableBytes()];
                    encoded.readBytes(bytes);
                    out.write(bytes);
                } finally {
                    encoded.release();
                }
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void read(InputStream in) {
        EmbeddedChannel decoder = new EmbeddedChannel(new MqttDecoder());
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                decoder.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(buffer, n)));
                MqttMessage message;
                while ((message = decoder.readInbound()) != null) {
                    received.add(message);
                }
            }
        } catch (IOException e) {
            // The socket closed: the test sees no further packets.
        } finally {
            decoder.finishAndReleaseAll();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        encoder.finishAndReleaseAll();
    }
}
