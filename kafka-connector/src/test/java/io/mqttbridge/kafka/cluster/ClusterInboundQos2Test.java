package io.mqttbridge.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import io.netty.handler.codec.mqtt.MqttMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The inbound QoS 2 state moves with the session: a client that got PUBREC on one node, is taken over
 * on another and retransmits the PUBLISH there gets PUBREC, and the message is in Kafka and at the
 * subscriber once.
 */
class ClusterInboundQos2Test {

    private final List<ClusterNode> nodes = new ArrayList<>();
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryRetainedStore retained = new InMemoryRetainedStore();
    private final String mirrorTopic = KafkaTestClients.uniqueTopic("cluster-qos2");
    private final ClusterConfig clusterConfig = ClusterNode.testConfig(KafkaTestClients.uniqueTopic("cluster-qos2"));

    @AfterEach
    void stop() {
        nodes.forEach(ClusterNode::close);
    }

    private ClusterNode node(String nodeId) {
        ClusterNode node = ClusterNode.start(TestKafka.bootstrapServers(), clusterConfig, nodeId, sessions, retained,
                List.of(new MirrorRule("#", mirrorTopic)));
        nodes.add(node);
        return node;
    }

    private static RawMqttClient connect(ClusterNode node, String clientId, boolean clean) throws Exception {
        RawMqttClient client = new RawMqttClient(node.port());
        client.send(RawMqttClient.connect(4, clientId, clean, 60));
        RawMqttClient.Packet connack = client.read();
        assertThat(connack.type()).isEqualTo(2);
        return client;
    }

    @Test
    void aQos2PublishRetransmittedToTheNodeThatTookTheSessionOverIsAnsweredWithPubrecAndTakenOnce() throws Exception {
        ClusterNode a = node("qos2-a");
        ClusterNode b = node("qos2-b");
        a.awaitAlive(b);
        b.awaitAlive(a);
        String payload = "moved-" + UUID.randomUUID();

        try (RawMqttClient subscriber = connect(a, "qos2-watcher", true)) {
            subscriber.send(RawMqttClient.subscribe(1, "moving/#", 2, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            b.awaitRoute(a, "moving/#");

            RawMqttClient first = connect(a, "qos2-mover", false);
            first.send(RawMqttClient.publish(2, "moving/x", 11, payload, false));
            assertThat(first.read().type()).as("PUBREC on the first node").isEqualTo(5);

            try (RawMqttClient second = connect(b, "qos2-mover", false)) {
                assertThat(first.readUntilClosed()).as("taken over").isEmpty();
                first.close();
                byte[] retransmission = RawMqttClient.publish(2, "moving/x", 11, payload, false);
                retransmission[0] |= 0x08;
                second.send(retransmission);
                assertThat(second.read().type()).as("PUBREC for the retransmission on the second node").isEqualTo(5);
                second.pubrel(11);
                assertThat(second.read().type()).as("PUBCOMP").isEqualTo(7);
                // A later message: once it is at the subscriber, so is any second copy of the first.
                second.send(RawMqttClient.publish(1, "moving/marker", 12, "marker", false));
                assertThat(second.read().type()).isEqualTo(4);
            }

            List<String> delivered = new ArrayList<>();
            while (!delivered.contains("marker")) {
                RawMqttClient.Packet packet = subscriber.read();
                if (packet.type() == 3) {
                    String body = new String(packet.body(), StandardCharsets.UTF_8);
                    delivered.add(body.endsWith(payload) ? payload : body.endsWith("marker") ? "marker" : body);
                    if ((packet.firstByte() & 0x06) != 0) {
                        int at = 2 + (((packet.body()[0] & 0xFF) << 8) | (packet.body()[1] & 0xFF));
                        byte[] id = {packet.body()[at], packet.body()[at + 1]};
                        subscriber.send(RawMqttClient.packet((packet.firstByte() & 0x06) == 4 ? 0x50 : 0x40, id));
                    }
                } else if (packet.type() == 6) {
                    subscriber.send(RawMqttClient.packet(0x70, packet.body()));
                }
            }
            assertThat(delivered).containsExactly(payload, "marker");
        }
        List<ConsumerRecord<byte[], byte[]>> records =
                KafkaTestClients.readAll(TestKafka.bootstrapServers(), mirrorTopic, 2, Duration.ofSeconds(30));
        assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .filteredOn(payload::equals).hasSize(1);
    }

    @Test
    void aQos2MessageStillWaitingForKafkaWhenTheSessionMovesIsAnsweredByTheNewNodeAndStoredAndDeliveredOnce()
            throws Exception {
        // The first node's mirror holds every record for 2 s before sending it: the session moves meanwhile.
        ProducerSettings slowMirror = new ProducerSettings().setLingerMs(2_000).setRequestTimeoutMs(2_000)
                .setDeliveryTimeoutMs(5_000);
        ClusterNode a = ClusterNode.start(TestKafka.bootstrapServers(), clusterConfig, "qos2-slow-a", sessions,
                retained, List.of(new MirrorRule("#", mirrorTopic)), slowMirror, new ProducerSettings().setLingerMs(1),
                Authenticator.ALLOW_ALL);
        nodes.add(a);
        ClusterNode b = ClusterNode.start(TestKafka.bootstrapServers(), clusterConfig, "qos2-slow-b", sessions,
                retained, List.of(new MirrorRule("#", mirrorTopic)),
                new ProducerSettings().setLingerMs(1).setRequestTimeoutMs(2_000).setDeliveryTimeoutMs(5_000),
                new ProducerSettings().setLingerMs(1), Authenticator.ALLOW_ALL);
        nodes.add(b);
        a.awaitAlive(b);
        b.awaitAlive(a);
        String payload = "in-flight-" + UUID.randomUUID();

        try (RawMqttClient subscriber = connect(b, "qos2-slow-watcher", true)) {
            subscriber.send(RawMqttClient.subscribe(1, "slow/#", 2, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            a.awaitRoute(b, "slow/#");

            RawMqttClient first = connect(a, "qos2-slow-mover", false);
            first.send(RawMqttClient.publish(2, "slow/x", 21, payload, false));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sessions.get("qos2-slow-mover")
                    .map(s -> !s.inboundQos2InDoubt().isEmpty()).orElse(false));

            try (RawMqttClient second = connect(b, "qos2-slow-mover", false)) {
                assertThat(first.readUntilClosed()).as("taken over before any PUBREC").isEmpty();
                first.close();
                byte[] retransmission = RawMqttClient.publish(2, "slow/x", 21, payload, false);
                retransmission[0] |= 0x08;
                second.send(retransmission);
                // The new node waits until the first node's producer can no longer write it, then looks.
                MqttMessage pubrec = second.next(40);
                assertThat(pubrec).isNotNull();
                assertThat(RawMqttClient.describe(pubrec)).isEqualTo("PUBREC:21");
                second.pubrel(21);
                assertThat(second.read().type()).as("PUBCOMP").isEqualTo(7);
                second.send(RawMqttClient.publish(1, "slow/marker", 22, "marker", false));
                assertThat(second.read().type()).isEqualTo(4);
            }
            // The first node's send has its result: whatever it routes after that is on its way before this.
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> a.sink().outstandingBytes() == 0);
            try (RawMqttClient late = connect(a, "qos2-slow-late", true)) {
                late.send(RawMqttClient.publish(1, "slow/marker", 1, "last-marker", false));
                assertThat(late.read().type()).isEqualTo(4);
            }

            List<String> delivered = new ArrayList<>();
            while (!delivered.contains("last-marker")) {
                RawMqttClient.Packet packet = subscriber.read();
                if (packet.type() == 3) {
                    String body = new String(packet.body(), StandardCharsets.UTF_8);
                    delivered.add(body.endsWith(payload) ? payload : body.endsWith("last-marker") ? "last-marker"
                            : body.endsWith("marker") ? "marker" : body);
                    if ((packet.firstByte() & 0x06) != 0) {
                        int at = 2 + (((packet.body()[0] & 0xFF) << 8) | (packet.body()[1] & 0xFF));
                        byte[] id = {packet.body()[at], packet.body()[at + 1]};
                        subscriber.send(RawMqttClient.packet((packet.firstByte() & 0x06) == 4 ? 0x50 : 0x40, id));
                    }
                } else if (packet.type() == 6) {
                    subscriber.send(RawMqttClient.packet(0x70, packet.body()));
                }
            }
            assertThat(delivered).containsExactlyInAnyOrder(payload, "marker", "last-marker");
        }
        List<ConsumerRecord<byte[], byte[]>> records =
                KafkaTestClients.readAll(TestKafka.bootstrapServers(), mirrorTopic, 3, Duration.ofSeconds(30));
        assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                .filteredOn(payload::equals).hasSize(1);
    }
}
