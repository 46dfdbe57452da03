package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A packet whose fields run past its remaining length, and a DISCONNECT that is malformed or a protocol
 * error, close the connection at once (MQTT 5: DISCONNECT with the reason code) and publish the will, as
 * for any malformed packet [MQTT-3.1.2-8, MQTT 5 4.13]; the connections keep alive 0, so only the
 * broker can end them. Found by a conformance probe beside Mosquitto, which does the same: the decoder
 * used to wait for the bytes the fields announced (the connection stayed open, the will unsent) and to
 * take those DISCONNECTs for normal ones (the will dropped).
 */
class MalformedPacketWillTest {

    private static TestBroker broker;

    @BeforeAll
    static void start() {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Stream<Arguments> offendingPackets() {
        return Stream.of(
                Arguments.of("3.1.1 PUBLISH whose topic runs past its end", 4, "3004001061 62", null),
                Arguments.of("3.1.1 QoS 1 PUBLISH without its packet id", 4, "3203000161", null),
                Arguments.of("3.1.1 SUBSCRIBE whose filter runs past its end", 4, "820600030010 6162", null),
                Arguments.of("3.1.1 DISCONNECT with a body", 4, "E0020000", null),
                Arguments.of("5.0 PUBLISH whose topic runs past its end", 5, "3004001061 62", 0x81),
                Arguments.of("5.0 PUBACK whose properties run past its end", 5, "40040001 0005", 0x81),
                Arguments.of("5.0 DISCONNECT with a Topic Alias", 5, "E005 0003 230001", 0x81),
                Arguments.of("5.0 DISCONNECT with Session Expiry twice", 5, "E00C 000A 1100000000 1100000000", 0x82),
                Arguments.of("5.0 DISCONNECT with Reason String twice", 5, "E00A 0008 1F000161 1F000162", 0x82),
                Arguments.of("5.0 DISCONNECT whose properties run past its end", 5, "E003 0005 11", 0x81),
                Arguments.of("5.0 UNSUBSCRIBE with a Reason String", 5, "A20A 0001 04 1F000178 000161", 0x81));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("offendingPackets")
    void theConnectionClosesAtOnceAndTheWillIsPublished(String name, int level, String hex, Integer reason)
            throws Exception {
        String clientId = "offender-" + name.hashCode();
        String willTopic = "will/" + Integer.toHexString(name.hashCode());
        try (RawMqttClient watcher = new RawMqttClient(broker.port());
             RawMqttClient offender = new RawMqttClient(broker.port())) {
            connected(watcher, RawMqttClient.connect(4, "watcher-" + name.hashCode(), true, 0));
            watcher.send(RawMqttClient.subscribe(1, willTopic, 0, false));
            assertThat(watcher.read().type()).isEqualTo(9);
            connected(offender, RawMqttClient.connect(level, clientId, true, 0, willTopic, "gone"));

            offender.send(HexFormat.of().parseHex(hex.replace(" ", "")));

            List<Packet> last = offender.readUntilClosed();
            if (reason == null) {
                assertThat(last).isEmpty();
            } else {
                assertThat(last).singleElement().satisfies(p -> {
                    assertThat(p.type()).isEqualTo(14);
                    assertThat(p.body()[0] & 0xFF).isEqualTo(reason);
                });
            }
            assertThat(new String(watcher.read().body(), StandardCharsets.UTF_8)).endsWith("gone");
        }
    }

    @Test
    void aConnectWhoseWillFlagAnnouncesFieldsItLacksIsClosedAtOnce() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            // Clean session and a will flag, client id "c", then no will topic nor message.
            client.send(HexFormat.of().parseHex("100D00044D515454040600000001 63".replace(" ", "")));
            assertThat(client.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void wellFormedPacketsInOneWriteAreAllHandled() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            connected(client, RawMqttClient.connect(5, "pipelined", true, 0));
            byte[] subscribe = RawMqttClient.subscribe(1, "pipelined/s", 1, true);
            byte[] publish = RawMqttClient.publish(1, "pipelined/t", 2, "x", true);
            byte[] ping = {(byte) 0xC0, 0};
            byte[] all = new byte[subscribe.length + publish.length + ping.length];
            System.arraycopy(subscribe, 0, all, 0, subscribe.length);
            System.arraycopy(publish, 0, all, subscribe.length, publish.length);
            System.arraycopy(ping, 0, all, subscribe.length + publish.length, ping.length);
            client.send(all);
            List<Integer> types = Stream.generate(() -> read(client)).limit(3).map(Packet::type).sorted().toList();
            // SUBACK, PUBACK and PINGRESP, in whatever order: the connection stays up.
            assertThat(types).containsExactly(4, 9, 13);
            assertThat(client.nothingReceived()).isTrue();
        }
    }

    private static Packet read(RawMqttClient client) {
        try {
            return client.read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void connected(RawMqttClient client, byte[] connect) throws Exception {
        client.send(connect);
        Packet connAck = client.read();
        assertThat(connAck.type()).isEqualTo(2);
        assertThat(connAck.body()[1]).isEqualTo((byte) 0);
    }
}
