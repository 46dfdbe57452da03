package io.mqttbridge.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A new subscriber gets a topic's retained message before any newer live message on that topic
 * [MQTT-4.6.0-5], and a message both live and retained once, even when the retained store answers
 * only after a live message was routed (the store here answers when the test lets it).
 */
class RetainedBeforeLiveTest {

    /** Answers page reads when {@link #answer} is called: with what it held at the read, or at the answer. */
    static final class HeldBackStore implements RetainedStore {
        final RetainedStore inner = new InMemoryRetainedStore();
        volatile boolean readAtAnswer;
        final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        private volatile Runnable pending;

        @Override
        public CompletableFuture<Void> put(PublishedMessage message) {
            return inner.put(message);
        }

        @Override
        public CompletableFuture<List<PublishedMessage>> matching(String topicFilter) {
            return inner.matching(topicFilter);
        }

        @Override
        public CompletableFuture<List<PublishedMessage>> matchingPage(String topicFilter, String afterTopic, int limit) {
            CompletableFuture<List<PublishedMessage>> answered = new CompletableFuture<>();
            List<PublishedMessage> atRead = inner.matchingPage(topicFilter, afterTopic, limit).join();
            pending = () -> answered.complete(readAtAnswer ? inner.matchingPage(topicFilter, afterTopic, limit).join()
                    : atRead);
            reads.incrementAndGet();
            return answered;
        }

        void answer() {
            pending.run();
        }

        boolean asked() {
            return pending != null;
        }

        @Override
        public long size() {
            return inner.size();
        }
    }

    private final HeldBackStore store = new HeldBackStore();
    private MqttBroker broker;

    @BeforeEach
    void start() {
        broker = RetainedStreamEndToEndTest.startBroker(Authorizer.ALLOW_ALL, store);
    }

    @AfterEach
    void stop() {
        broker.stop();
    }

    @Test
    void theRetainedMessageComesBeforeANewerLiveOneThatWasRoutedWhileTheStoreWasRead() throws Exception {
        List<Packet> received = subscribeWhileTheTopicChanges();

        assertThat(received).extracting(RetainedBeforeLiveTest::payload).containsExactly("old", "new", "after");
        assertThat(received).extracting(packet -> packet.firstByte() & 0x01).as("retain flags")
                .containsExactly(1, 0, 0);
    }

    @Test
    void aLiveMessageTheStoreReadAlreadyFoundIsSentOnce() throws Exception {
        store.readAtAnswer = true;
        List<Packet> received = subscribeWhileTheTopicChanges();

        assertThat(received).extracting(RetainedBeforeLiveTest::payload).containsExactly("new", "after");
    }

    @Test
    void aLiveMessageWaitsForTheRetainedOnesOfLaterPagesToo() throws Exception {
        try (RawMqttClient publisher = RawMqttClient.openConnected(broker.port(), "pub");
             RawMqttClient subscriber = RawMqttClient.openConnected(broker.port(), "sub")) {
            for (int i = 0; i < 150; i++) {
                byte[] retained = RawMqttClient.publish(1, String.format("state/%03d", i), i + 1, "old", false);
                retained[0] |= 0x01;
                publisher.send(retained);
                assertThat(publisher.read().type()).isEqualTo(4);
            }
            subscriber.send(RawMqttClient.subscribe(1, "state/+", 0, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            org.awaitility.Awaitility.await().until(() -> store.reads.get() == 1);
            store.answer();
            for (int i = 0; i < 100; i++) {
                assertThat(subscriber.read().type()).isEqualTo(3);
            }
            // The second page's read waits; a live message on one of its topics is published meanwhile.
            org.awaitility.Awaitility.await().until(() -> store.reads.get() == 2);
            publisher.send(RawMqttClient.publish(1, "state/149", 500, "new", false));
            assertThat(publisher.read().type()).isEqualTo(4);
            store.answer();
            List<String> rest = new java.util.ArrayList<>();
            for (int i = 0; i < 51; i++) {
                Packet packet = subscriber.read();
                rest.add(new String(packet.body(), StandardCharsets.UTF_8).substring(2));
            }
            assertThat(rest).endsWith("state/149old", "state/149new");
        }
    }

    /*
     * A retained "old"; a subscriber; while its retained read waits, a retained "new" is published and
     * routed (its PUBACK came); then the read answers, and a live "after" follows. What the subscriber got,
     * up to and with "after".
     */
    private List<Packet> subscribeWhileTheTopicChanges() throws Exception {
        try (RawMqttClient publisher = RawMqttClient.openConnected(broker.port(), "pub");
             RawMqttClient subscriber = RawMqttClient.openConnected(broker.port(), "sub")) {
            publishRetained(publisher, "old", 1);
            subscriber.send(RawMqttClient.subscribe(1, "state/x", 0, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            org.awaitility.Awaitility.await().until(store::asked);
            publishRetained(publisher, "new", 2);
            store.answer();
            publisher.send(RawMqttClient.publish(1, "state/x", 3, "after", false));
            assertThat(publisher.read().type()).isEqualTo(4);
            List<Packet> received = new java.util.ArrayList<>();
            do {
                Packet packet = subscriber.read();
                assertThat(packet.type()).isEqualTo(3);
                received.add(packet);
            } while (!payload(received.get(received.size() - 1)).equals("after"));
            return received;
        }
    }

    private static void publishRetained(RawMqttClient publisher, String payload, int packetId) throws Exception {
        byte[] retained = RawMqttClient.publish(1, "state/x", packetId, payload, false);
        retained[0] |= 0x01;
        publisher.send(retained);
        assertThat(publisher.read().type()).isEqualTo(4);
    }

    /* A 3.1.1 PUBLISH at QoS 0 to state/x: topic (2 + 7 bytes), then the payload. */
    private static String payload(Packet publish) {
        byte[] body = publish.body();
        return new String(body, 9, body.length - 9, StandardCharsets.UTF_8);
    }
}
