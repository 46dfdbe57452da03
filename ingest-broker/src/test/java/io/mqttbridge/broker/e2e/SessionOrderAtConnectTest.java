package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two findings of a conformance probe beside Mosquitto (2026-12-07), both versions:
 * <ul>
 *   <li>A CONNECT without clean start that takes over a connection whose session ends with it (3.1.1
 *       clean session, MQTT 5 session expiry 0) starts a new session [MQTT-3.1.2-6, MQTT-3.1.4-3,
 *       MQTT-3.2.2-2/3]: the bridge resumed it (session present 1, the old subscription and its
 *       unacknowledged message).
 *   <li>Packets sent in the same write as the CONNECT, handled once the session is attached, keep their
 *       order: a PUBLISH after a SUBSCRIBE reaches it [MQTT-3.3.5-1], one after an UNSUBSCRIBE does not
 *       [MQTT-3.10.4-2]. The subscription changes waited in the session's tasks while the PUBLISH was
 *       routed at once (a QoS 2 PUBLISH: as soon as the sink had it).
 * </ul>
 */
class SessionOrderAtConnectTest {

    private static final byte[] EXPIRY_ONE_MINUTE = {0x11, 0, 0, 0, 60};
    private static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = {4, 5})
    void aTakeoverOfASessionThatEndsWithItsConnectionStartsANewOne(int level) throws Exception {
        String id = "bound-" + level;
        try (RawMqttClient first = new RawMqttClient(broker.port());
             RawMqttClient publisher = RawMqttClient.openConnected(broker.port(), "bound-publisher-" + level)) {
            assertThat(connack(first, RawMqttClient.connect(level, id, true, 0))[0]).isZero();
            first.send(RawMqttClient.subscribe(1, id + "/t", 1, level == 5));
            assertThat(first.read().type()).isEqualTo(9);
            publisher.send(RawMqttClient.publish(1, id + "/t", 1, "unacknowledged", false));
            assertThat(first.read().type()).isEqualTo(3);

            try (RawMqttClient second = new RawMqttClient(broker.port())) {
                byte[] connack = connack(second, level == 5
                        ? RawMqttClient.connect5(id, false, 0, EXPIRY_ONE_MINUTE)
                        : RawMqttClient.connect(level, id, false, 0));
                assertThat(connack[0]).as("session present").isZero();
                first.readUntilClosed();

                second.send(RawMqttClient.subscribe(2, id + "/marker", 0, level == 5));
                List<String> received = new ArrayList<>(topicsUntil(second, null));
                publisher.send(RawMqttClient.publish(1, id + "/t", 2, "later", false));
                publisher.send(RawMqttClient.publish(0, id + "/marker", 0, "marker", false));
                received.addAll(topicsUntil(second, id + "/marker"));
                assertThat(received).as("what the new session got").doesNotContain(id + "/t");
            }
        }
    }

    @ParameterizedTest(name = "protocol level {0}, QoS {1}")
    @CsvSource({"4, 1", "4, 2", "5, 1", "5, 2"})
    void aPublishSentBehindTheConnectAndASubscribeReachesThatSubscription(int level, int qos) throws Exception {
        String id = "behind-" + level + "-" + qos;
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(concat(RawMqttClient.connect(level, id, true, 0),
                    RawMqttClient.subscribe(1, id + "/t", 1, level == 5),
                    RawMqttClient.publish(qos, id + "/t", 2, "own", level == 5)));
            assertThat(client.read().type()).isEqualTo(2);
            assertThat(topicsUntil(client, id + "/t")).contains(id + "/t");
        }
    }

    @ParameterizedTest(name = "protocol level {0}")
    @ValueSource(ints = {4, 5})
    void aPublishSentBehindTheConnectAndAnUnsubscribeDoesNotReachTheFilterLeft(int level) throws Exception {
        String id = "unsubscribed-" + level;
        byte[] resume = level == 5 ? RawMqttClient.connect5(id, false, 0, EXPIRY_ONE_MINUTE)
                : RawMqttClient.connect(level, id, false, 0);
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            connack(client, resume);
            client.send(RawMqttClient.subscribe(1, id + "/t", 1, level == 5));
            assertThat(client.read().type()).isEqualTo(9);
            client.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertThat(client.readUntilClosed()).isEmpty();
        }
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(concat(resume,
                    RawMqttClient.unsubscribe(2, id + "/t", level == 5),
                    RawMqttClient.publish(1, id + "/t", 3, "after the unsubscribe", level == 5),
                    RawMqttClient.subscribe(4, id + "/marker", 0, level == 5),
                    RawMqttClient.publish(0, id + "/marker", 0, "marker", level == 5)));
            assertThat(connack(client)[0]).as("session present").isEqualTo((byte) 1);
            assertThat(topicsUntil(client, id + "/marker")).doesNotContain(id + "/t");
        }
    }

    /** Sends {@code connect}, reads the CONNACK (accepted) and returns its body. */
    private static byte[] connack(RawMqttClient client, byte[] connect) throws IOException {
        client.send(connect);
        return connack(client);
    }

    private static byte[] connack(RawMqttClient client) throws IOException {
        Packet connAck = client.read();
        assertThat(connAck.type()).isEqualTo(2);
        assertThat(connAck.body()[1]).as("return code").isZero();
        return connAck.body();
    }

    /**
     * The topics of the PUBLISH packets read up to and including the first one on {@code last}, or up to
     * the next SUBACK when {@code last} is null.
     */
    private static List<String> topicsUntil(RawMqttClient client, String last) throws IOException {
        List<String> topics = new ArrayList<>();
        while (true) {
            Packet packet = client.read();
            assertThat(packet).as("the connection closed before a message on " + last).isNotNull();
            if (packet.type() == 9 && last == null) {
                return topics;
            }
            if (packet.type() == 3) {
                byte[] body = packet.body();
                int length = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                topics.add(new String(body, 2, length, StandardCharsets.UTF_8));
                if (topics.get(topics.size() - 1).equals(last)) {
                    return topics;
                }
            }
        }
    }

    private static byte[] concat(byte[]... packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] packet : packets) {
            out.writeBytes(packet);
        }
        return out.toByteArray();
    }
}
