package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Outbound QoS state of persistent sessions across reconnects. */
class SessionDeliveryTest {

    @Test
    void unacknowledgedQos1MessageIsResentWithDupAndSamePacketIdAfterReconnect() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            int packetId;
            try (RawMqttClient subscriber = new RawMqttClient(broker.port());
                 RawMqttClient publisher = new RawMqttClient(broker.port())) {
                subscriber.send(RawMqttClient.connect(4, "forgetful", false, 60));
                assertThat(subscriber.read().type()).isEqualTo(2);
                subscriber.send(RawMqttClient.subscribe(1, "r/#", 1, false));
                assertThat(subscriber.read().type()).isEqualTo(9);
                publisher.send(RawMqttClient.connect(4, "resendPub", true, 60));
                assertThat(publisher.read().type()).isEqualTo(2);
                publisher.send(RawMqttClient.publish(1, "r/1", 5, "again", false));
                Packet first = subscriber.read();
                assertThat(first.firstByte() & 0x08).isZero();
                packetId = ((first.body()[5] & 0xFF) << 8) | (first.body()[6] & 0xFF);
            }
            try (RawMqttClient again = new RawMqttClient(broker.port())) {
                again.send(RawMqttClient.connect(4, "forgetful", false, 60));
                Packet connAck = again.read();
                assertThat(connAck.body()[0]).as("session present").isEqualTo((byte) 1);
                Packet resent = again.read();
                assertThat(resent.type()).isEqualTo(3);
                assertThat(resent.firstByte() & 0x08).as("DUP").isEqualTo(0x08);
                assertThat(((resent.body()[5] & 0xFF) << 8) | (resent.body()[6] & 0xFF)).isEqualTo(packetId);
            }
        }
    }

    @Test
    void offlineQueueKeepsTheNewestMessagesAndCountsTheDropped() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.setMaxQueuedMessagesPerSession(2))) {
            try (RawMqttClient subscriber = new RawMqttClient(broker.port())) {
                subscriber.send(RawMqttClient.connect(4, "bounded", false, 60));
                assertThat(subscriber.read().type()).isEqualTo(2);
                subscriber.send(RawMqttClient.subscribe(1, "q/#", 1, false));
                assertThat(subscriber.read().type()).isEqualTo(9);
                subscriber.send(RawMqttClient.packet(0xE0, new byte[0]));
                assertThat(subscriber.readUntilClosed()).isEmpty();
            }
            try (RawMqttClient publisher = new RawMqttClient(broker.port())) {
                publisher.send(RawMqttClient.connect(4, "queuePub", true, 60));
                assertThat(publisher.read().type()).isEqualTo(2);
                for (int i = 1; i <= 3; i++) {
                    publisher.send(RawMqttClient.publish(1, "q/" + i, i, "m" + i, false));
                    assertThat(publisher.read().type()).isEqualTo(4);
                }
            }
            org.awaitility.Awaitility.await().until(() ->
                    broker.metrics.meter(BrokerMetrics.DropReason.QUEUE_FULL.metricName()).getCount() == 1);
            try (RawMqttClient again = new RawMqttClient(broker.port())) {
                again.send(RawMqttClient.connect(4, "bounded", false, 60));
                assertThat(again.read().type()).isEqualTo(2);
                assertThat(new String(again.read().body(), StandardCharsets.UTF_8)).endsWith("m2");
                assertThat(new String(again.read().body(), StandardCharsets.UTF_8)).endsWith("m3");
            }
        }
    }

    @Test
    void inboundQos2StateSurvivesReconnectSoPubrelIsCompletedAndRetransmissionIsNotRoutedAgain() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient subscriber = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.connect(4, "q2watch", true, 60));
            assertThat(subscriber.read().type()).isEqualTo(2);
            subscriber.send(RawMqttClient.subscribe(1, "q2s/#", 0, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            try (RawMqttClient publisher = new RawMqttClient(broker.port())) {
                publisher.send(RawMqttClient.connect5("q2pub", false, 60, new byte[] {0x11, 0, 0, 0, 60}));
                assertThat(publisher.read().type()).isEqualTo(2);
                publisher.send(RawMqttClient.publish5(2, "q2s/a", 11, "once", new byte[0]));
                assertThat(publisher.read().type()).isEqualTo(5);
            }
            assertThat(new String(subscriber.read().body(), StandardCharsets.UTF_8)).endsWith("once");
            try (RawMqttClient again = new RawMqttClient(broker.port())) {
                again.send(RawMqttClient.connect5("q2pub", false, 60, new byte[] {0x11, 0, 0, 0, 60}));
                assertThat(again.read().body()[0]).as("session present").isEqualTo((byte) 1);
                byte[] duplicate = RawMqttClient.publish5(2, "q2s/a", 11, "once", new byte[0]);
                duplicate[0] |= 0x08;
                again.send(duplicate);
                assertThat(again.read().type()).isEqualTo(5);
                again.send(RawMqttClient.packet(0x62, new byte[] {0, 11}));
                Packet pubcomp = again.read();
                assertThat(pubcomp.type()).isEqualTo(7);
                assertThat(pubcomp.body().length == 2 || pubcomp.body()[2] == 0).as("reason success").isTrue();
                again.send(RawMqttClient.publish5(0, "q2s/b", 0, "marker", new byte[0]));
            }
            assertThat(new String(subscriber.read().body(), StandardCharsets.UTF_8)).endsWith("marker");
        }
    }

    @Test
    void persistentSessionWithQueuedMessageSurvivesABrokerRestartThroughTheSessionStore() throws Exception {
        io.mqttbridge.broker.session.InMemorySessionStore store = new io.mqttbridge.broker.session.InMemorySessionStore();
        try (TestBroker first = TestBroker.withSessionStore(store)) {
            try (RawMqttClient subscriber = new RawMqttClient(first.port())) {
                subscriber.send(RawMqttClient.connect(4, "survivor", false, 60));
                assertThat(subscriber.read().type()).isEqualTo(2);
                subscriber.send(RawMqttClient.subscribe(1, "keep/#", 1, false));
                assertThat(subscriber.read().type()).isEqualTo(9);
                subscriber.send(RawMqttClient.packet(0xE0, new byte[0]));
                assertThat(subscriber.readUntilClosed()).isEmpty();
            }
            try (RawMqttClient publisher = new RawMqttClient(first.port())) {
                publisher.send(RawMqttClient.connect(4, "keepPub", true, 60));
                assertThat(publisher.read().type()).isEqualTo(2);
                publisher.send(RawMqttClient.publish(1, "keep/1", 1, "kept", false));
                assertThat(publisher.read().type()).isEqualTo(4);
            }
        }
        assertThat(store.get("survivor")).hasValueSatisfying(snapshot -> {
            assertThat(snapshot.subscriptions()).extracting(s -> s.topicFilter()).containsExactly("keep/#");
            assertThat(snapshot.pending()).hasSize(1);
        });
        try (TestBroker second = TestBroker.withSessionStore(store);
             RawMqttClient again = new RawMqttClient(second.port())) {
            assertThat(second.broker.subscriptionsOf("survivor")).hasSize(1);
            again.send(RawMqttClient.connect(4, "survivor", false, 60));
            assertThat(again.read().body()[0]).as("session present").isEqualTo((byte) 1);
            assertThat(new String(again.read().body(), StandardCharsets.UTF_8)).endsWith("kept");
        }
    }
}
