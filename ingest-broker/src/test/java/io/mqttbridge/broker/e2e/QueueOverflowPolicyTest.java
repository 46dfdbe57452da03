package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.config.QueueOverflowPolicy;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.session.DeliveryState;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A subscriber's queue is bounded in bytes as well as messages, and a full queue follows the
 * configured policy, counted per client ({@code MqttBroker.deliveryState}) and in the metrics.
 */
class QueueOverflowPolicyTest {

    /* 100-byte payloads: topic, payload and overhead make about 200 bytes each; 1024 holds 5. */
    private static final byte[] PAYLOAD = new byte[100];
    private static final int BYTES_FOR_FIVE = 1024;

    @Test
    void byteBoundWithDropOldestKeepsTheNewestMessagesOfAnOfflineSessionAndCountsTheDropsPerClient()
            throws Exception {
        try (TestBroker broker = TestBroker.start(c -> {
            c.setMaxQueuedBytesPerSession(BYTES_FOR_FIVE);
            c.setQueueOverflowPolicy(QueueOverflowPolicy.DROP_OLDEST);
        })) {
            goOffline(broker, "oldest");
            publish(broker, 8);
            await().until(() -> broker.broker.deliveryState("oldest").orElseThrow().overflowDrops() == 3);
            DeliveryState state = broker.broker.deliveryState("oldest").orElseThrow();
            assertThat(state.queuedMessages()).isEqualTo(5);
            assertThat(state.queuedBytes()).isLessThanOrEqualTo(BYTES_FOR_FIVE);
            assertThat(broker.metrics.meter(BrokerMetrics.DropReason.QUEUE_FULL.metricName()).getCount()).isEqualTo(3);
            assertThat(receiveAfterReconnect(broker, "oldest", 5)).containsExactly(4, 5, 6, 7, 8);
        }
    }

    @Test
    void dropNewestKeepsTheFirstQueuedMessages() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> {
            c.setMaxQueuedBytesPerSession(BYTES_FOR_FIVE);
            c.setQueueOverflowPolicy(QueueOverflowPolicy.DROP_NEWEST);
        })) {
            goOffline(broker, "newest");
            publish(broker, 8);
            await().until(() -> broker.broker.deliveryState("newest").orElseThrow().overflowDrops() == 3);
            assertThat(receiveAfterReconnect(broker, "newest", 5)).containsExactly(1, 2, 3, 4, 5);
        }
    }

    @Test
    void disconnectPolicyClosesAConnectedSubscriberThatStopsAcknowledgingAndItsSessionKeepsTheQueue()
            throws Exception {
        try (TestBroker broker = TestBroker.start(c -> {
            c.setMaxQueuedBytesPerSession(BYTES_FOR_FIVE);
            c.setMaxInflightOutbound(2);
            c.setQueueOverflowPolicy(QueueOverflowPolicy.DISCONNECT);
        })) {
            try (RawMqttClient slow = new RawMqttClient(broker.port())) {
                slow.send(RawMqttClient.connect5("slow", false, 60, new byte[] {0x11, 0, 0, 0x0E, 0x10}));
                assertThat(slow.read().type()).isEqualTo(2);
                slow.send(RawMqttClient.subscribe(1, "p/#", 1, true));
                assertThat(slow.read().type()).isEqualTo(9);
                publish(broker, 8);
                List<Integer> types = new ArrayList<>();
                RawMqttClient.Packet packet;
                while ((packet = slow.read()) != null) {
                    types.add(packet.type());
                }
                assertThat(types).as("two PUBLISHes in flight, then DISCONNECT").containsExactly(3, 3, 14);
            }
            assertThat(broker.metrics.meter(BrokerMetrics.CLOSED_SLOW_SUBSCRIBER).getCount()).isEqualTo(1);
            DeliveryState state = broker.broker.deliveryState("slow").orElseThrow();
            assertThat(state.overflowDrops()).isEqualTo(1);
            assertThat(state.inflightMessages() + state.queuedMessages()).isEqualTo(7);
        }
    }

    @Test
    void queueByteBoundBelowOneKilobyteIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> TestBroker.start(c -> c.setMaxQueuedBytesPerSession(10)))
                .hasMessageContaining("maxQueuedBytesPerSession");
    }

    private static void goOffline(TestBroker broker, String clientId) throws Exception {
        try (RawMqttClient subscriber = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.connect(4, clientId, false, 60));
            assertThat(subscriber.read().type()).isEqualTo(2);
            subscriber.send(RawMqttClient.subscribe(1, "p/#", 1, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            subscriber.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertThat(subscriber.readUntilClosed()).isEmpty();
        }
    }

    /** Publishes messages 1..count on p/1..p/count, QoS 1, each acknowledged before the next. */
    private static void publish(TestBroker broker, int count) throws Exception {
        try (RawMqttClient publisher = new RawMqttClient(broker.port())) {
            publisher.send(RawMqttClient.connect(4, "pub", true, 60));
            assertThat(publisher.read().type()).isEqualTo(2);
            for (int i = 1; i <= count; i++) {
                publisher.send(RawMqttClient.publish(1, "p/" + i, i, new String(PAYLOAD, StandardCharsets.ISO_8859_1),
                        false));
                assertThat(publisher.read().type()).isEqualTo(4);
            }
        }
    }

    /** Reconnects the persistent session and returns the numbers of the topics of the first n messages. */
    private static List<Integer> receiveAfterReconnect(TestBroker broker, String clientId, int n) throws Exception {
        List<Integer> topics = new ArrayList<>();
        try (RawMqttClient again = new RawMqttClient(broker.port())) {
            again.send(RawMqttClient.connect(4, clientId, false, 60));
            assertThat(again.read().type()).isEqualTo(2);
            for (int i = 0; i < n; i++) {
                byte[] body = again.read().body();
                int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
                String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
                topics.add(Integer.parseInt(topic.substring(2)));
                int packetId = ((body[2 + topicLength] & 0xFF) << 8) | (body[3 + topicLength] & 0xFF);
                again.send(RawMqttClient.packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
            }
        }
        return topics;
    }
}
