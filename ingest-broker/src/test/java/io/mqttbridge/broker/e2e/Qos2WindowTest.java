package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 3.1.1 publisher with as many QoS 2 messages in flight as the broker's receive maximum: the
 * broker must keep reading so that their PUBRELs arrive (it once stopped reading at that count and
 * waited for PUBRELs it would never read).
 */
class Qos2WindowTest {

    private static final int RECEIVE_MAXIMUM = 5;

    @Test
    void mqtt311Qos2PublishesUpToTheReceiveMaximumAreCompletedByTheirPubrels() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.setReceiveMaximum(RECEIVE_MAXIMUM));
             RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "qos2-window", true, 60));
            assertThat(client.read().type()).as("CONNACK").isEqualTo(2);
            for (int id = 1; id <= RECEIVE_MAXIMUM; id++) {
                client.send(RawMqttClient.publish(2, "window/t", id, "m" + id, false));
            }
            for (int id = 1; id <= RECEIVE_MAXIMUM; id++) {
                Packet pubrec = client.read();
                assertThat(pubrec.type()).as("PUBREC").isEqualTo(5);
                assertThat(packetId(pubrec)).isEqualTo(id);
            }
            for (int id = 1; id <= RECEIVE_MAXIMUM; id++) {
                client.send(RawMqttClient.packet(0x62, new byte[] {0, (byte) id}));
            }
            for (int id = 1; id <= RECEIVE_MAXIMUM; id++) {
                Packet pubcomp = client.read();
                assertThat(pubcomp).as("PUBCOMP %d (null: connection closed)", id).isNotNull();
                assertThat(pubcomp.type()).as("PUBCOMP").isEqualTo(7);
                assertThat(packetId(pubcomp)).isEqualTo(id);
            }
        }
    }

    private static int packetId(Packet packet) {
        return ((packet.body()[0] & 0xFF) << 8) | (packet.body()[1] & 0xFF);
    }
}
