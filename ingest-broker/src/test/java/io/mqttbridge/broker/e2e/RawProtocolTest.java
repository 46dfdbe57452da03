package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Protocol violations written as raw bytes: each closes only the offending connection. */
class RawProtocolTest {

    private TestBroker broker;

    @BeforeEach
    void start() {
        broker = TestBroker.start(c -> {
            c.setMaxPacketSize(1024);
            c.setConnectTimeoutSeconds(1);
        });
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void firstPacketOtherThanConnectClosesTheConnectionWithoutAnswer() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThat(client.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void unsupportedProtocolLevelIsRefusedWithConnackCode1() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(6, "x", true, 60));
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).type()).isEqualTo(2);
            assertThat(packets.get(0).body()[1]).isEqualTo((byte) 0x01);
        }
    }

    @Test
    void emptyClientIdWithoutCleanSessionIsRejectedWithCode2InMqtt311() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "", false, 60));
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).body()[1]).isEqualTo((byte) 0x02);
        }
    }

    @Test
    void emptyClientIdWithCleanSessionIsAcceptedInMqtt311() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "", true, 60));
            Packet connAck = client.read();
            assertThat(connAck.type()).isEqualTo(2);
            assertThat(connAck.body()[1]).isEqualTo((byte) 0x00);
        }
    }

    @Test
    void secondConnectIsAProtocolErrorThatClosesTheConnection() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "twice", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.connect(4, "twice", true, 60));
            assertThat(client.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void secondConnectInMqtt5GetsDisconnectWithProtocolError() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(5, "twice5", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.connect(5, "twice5", true, 60));
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).type()).isEqualTo(14);
            assertThat(packets.get(0).body()[0] & 0xFF).isEqualTo(0x82);
        }
    }

    @Test
    void oversizedPacketInMqtt5GetsDisconnectPacketTooLarge() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(5, "big", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.publish(0, "t", 0, "x".repeat(4096), true));
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).body()[0] & 0xFF).isEqualTo(0x95);
        }
    }

    @Test
    void malformedPublishWithQos3InMqtt5GetsDisconnectMalformed() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(5, "qos3", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            byte[] publish = RawMqttClient.publish(0, "t", 0, "x", true);
            publish[0] = (byte) 0x36;
            client.send(publish);
            List<Packet> packets = client.readUntilClosed();
            assertThat(packets).hasSize(1);
            assertThat(packets.get(0).body()[0] & 0xFF).isEqualTo(0x81);
        }
    }

    @Test
    void wildcardInPublishTopicClosesMqtt311ConnectionButNotOthers() throws Exception {
        try (RawMqttClient bystander = new RawMqttClient(broker.port());
             RawMqttClient client = new RawMqttClient(broker.port())) {
            bystander.send(RawMqttClient.connect(4, "bystander", true, 60));
            assertThat(bystander.read().type()).isEqualTo(2);
            client.send(RawMqttClient.connect(4, "wild", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.publish(0, "a/+", 0, "x", false));
            assertThat(client.readUntilClosed()).isEmpty();
            bystander.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThat(bystander.read().type()).isEqualTo(13);
        }
    }

    @Test
    void socketThatSendsNoConnectIsClosedAfterTheConnectTimeout() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            assertThat(client.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void pingReqIsAnsweredWithPingResp() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "pinger", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThat(client.read().type()).isEqualTo(13);
        }
    }

    @Test
    void keepAliveTimeoutClosesTheConnectionAndPublishesTheWill() throws Exception {
        try (RawMqttClient watcher = new RawMqttClient(broker.port());
             RawMqttClient silent = new RawMqttClient(broker.port())) {
            watcher.send(RawMqttClient.connect(4, "watcher", true, 60));
            assertThat(watcher.read().type()).isEqualTo(2);
            watcher.send(RawMqttClient.packet(0x82, new byte[] {0, 1, 0, 5, 'w', 'i', 'l', 'l', 's', 0}));
            assertThat(watcher.read().type()).isEqualTo(9);
            silent.send(RawMqttClient.connect(4, "silent", true, 1, "wills", "gone"));
            assertThat(silent.read().type()).isEqualTo(2);
            assertThat(silent.readUntilClosed()).isEmpty();
            Packet will = watcher.read();
            assertThat(will.type()).isEqualTo(3);
            assertThat(new String(will.body())).endsWith("gone");
        }
    }

    @Test
    void packetsWithinTheKeepAliveKeepTheConnectionOpenPastTheTimeout() throws Exception {
        try (RawMqttClient chatty = new RawMqttClient(broker.port())) {
            chatty.send(RawMqttClient.connect(4, "chatty", true, 1));
            assertThat(chatty.read().type()).isEqualTo(2);
            // 1.5 s timeout; pings every 0.4 s for 3 s: each one must restart the timeout.
            for (int i = 0; i < 8; i++) {
                Thread.sleep(400);
                chatty.send(RawMqttClient.packet(0xC0, new byte[0]));
                assertThat(chatty.read().type()).isEqualTo(13);
            }
        }
    }

    @Test
    void normalDisconnectDoesNotPublishTheWill() throws Exception {
        try (RawMqttClient watcher = new RawMqttClient(broker.port());
             RawMqttClient polite = new RawMqttClient(broker.port())) {
            watcher.send(RawMqttClient.connect(4, "watcher2", true, 60));
            assertThat(watcher.read().type()).isEqualTo(2);
            watcher.send(RawMqttClient.packet(0x82, new byte[] {0, 1, 0, 5, 'w', 'i', 'l', 'l', 's', 0}));
            assertThat(watcher.read().type()).isEqualTo(9);
            polite.send(RawMqttClient.connect(4, "polite", true, 60, "wills", "gone"));
            assertThat(polite.read().type()).isEqualTo(2);
            polite.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertThat(polite.readUntilClosed()).isEmpty();
            watcher.send(RawMqttClient.publish(0, "wills", 0, "marker", false));
            Packet next = watcher.read();
            assertThat(new String(next.body())).endsWith("marker");
        }
    }

    @Test
    void unsubscribeIsAcknowledgedWithItsPacketIdAndStopsDelivery() throws Exception {
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "unsub3", true, 60));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.subscribe(3, "u/t", 0, false));
            assertThat(client.read().type()).isEqualTo(9);
            client.send(RawMqttClient.packet(0xA2, new byte[] {0, 4, 0, 3, 'u', '/', 't'}));
            Packet unsubAck = client.read();
            assertThat(unsubAck.type()).isEqualTo(11);
            assertThat(unsubAck.body()).containsExactly(0, 4);
            client.send(RawMqttClient.publish(0, "u/t", 0, "not for me", false));
            client.send(RawMqttClient.packet(0xC0, new byte[0]));
            assertThat(client.read().type()).as("no PUBLISH before the PINGRESP").isEqualTo(13);
        }
    }
}
