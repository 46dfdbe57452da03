package io.mqttbridge.broker.e2e;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * QoS 1/2 messages of persistent sessions reach the session store before their publisher is
 * acknowledged (write-through), and leave it when the subscriber acknowledges them; nothing is
 * written for sessions that end with their connection.
 */
class SessionWriteThroughTest {

    private static void subscribeAndLeave(TestBroker broker, String clientId, boolean persistent, int qos)
            throws Exception {
        try (RawMqttClient subscriber = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.connect(4, clientId, !persistent, 60));
            assertThat(subscriber.read().type()).isEqualTo(2);
            subscriber.send(RawMqttClient.subscribe(1, "wt/#", qos, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            if (!persistent) {
                return;
            }
            subscriber.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertThat(subscriber.readUntilClosed()).isEmpty();
        }
    }

    private static void publishAcknowledged(TestBroker broker, int qos, int count) throws Exception {
        try (RawMqttClient publisher = new RawMqttClient(broker.port())) {
            publisher.send(RawMqttClient.connect(4, "wtPub", true, 60));
            assertThat(publisher.read().type()).isEqualTo(2);
            for (int i = 1; i <= count; i++) {
                publisher.send(RawMqttClient.publish(qos, "wt/" + i, i, "m" + i, false));
                assertThat(publisher.read().type()).isEqualTo(qos == 1 ? 4 : 5);
            }
        }
    }

    /** The packet id of a QoS 1/2 PUBLISH (MQTT 3.1.1): after the topic's length and bytes. */
    private static int packetId(RawMqttClient.Packet publish) {
        byte[] body = publish.body();
        int at = 2 + (((body[0] & 0xFF) << 8) | (body[1] & 0xFF));
        return ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
    }

    @Test
    void messagesQueuedForAnOfflinePersistentSessionAreStoredBeforeThePublisherIsAcknowledged() throws Exception {
        InMemorySessionStore store = new InMemorySessionStore();
        try (TestBroker broker = TestBroker.withSessionStore(store)) {
            subscribeAndLeave(broker, "offline", true, 1);
            // The snapshot written when it went offline held no message: every one below is written through.
            assertThat(store.get("offline")).hasValueSatisfying(s -> assertThat(s.pending()).isEmpty());

            publishAcknowledged(broker, 1, 3);

            // Read right after each PUBACK: no waiting, the store already has them.
            assertThat(store.get("offline")).hasValueSatisfying(s -> assertThat(s.pending())
                    .extracting(m -> new String(m.message().payload(), StandardCharsets.UTF_8), PendingMessage::sequence)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("m1", 1L),
                            org.assertj.core.groups.Tuple.tuple("m2", 2L), org.assertj.core.groups.Tuple.tuple("m3", 3L)));
        }
    }

    @Test
    void acknowledgedMessagesLeaveTheStore() throws Exception {
        InMemorySessionStore store = new InMemorySessionStore();
        try (TestBroker broker = TestBroker.withSessionStore(store)) {
            subscribeAndLeave(broker, "acker", true, 1);
            publishAcknowledged(broker, 1, 2);
            try (RawMqttClient again = new RawMqttClient(broker.port())) {
                again.send(RawMqttClient.connect(4, "acker", false, 60));
                assertThat(again.read().type()).isEqualTo(2);
                for (int i = 0; i < 2; i++) {
                    RawMqttClient.Packet publish = again.read();
                    int packetId = packetId(publish);
                    again.send(RawMqttClient.packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
                }
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(store.get("acker")).hasValueSatisfying(s -> assertThat(s.pending()).isEmpty()));
            }
        }
    }

    @Test
    void qos2MessageIsRestatedAsReleasedWhenPubrecArrives() throws Exception {
        InMemorySessionStore store = new InMemorySessionStore();
        try (TestBroker broker = TestBroker.withSessionStore(store)) {
            subscribeAndLeave(broker, "qos2", true, 2);
            publishAcknowledged(broker, 2, 1);
            try (RawMqttClient again = new RawMqttClient(broker.port())) {
                again.send(RawMqttClient.connect(4, "qos2", false, 60));
                assertThat(again.read().type()).isEqualTo(2);
                RawMqttClient.Packet publish = again.read();
                int packetId = packetId(publish);
                again.send(RawMqttClient.packet(0x50, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
                assertThat(again.read().type()).as("PUBREL").isEqualTo(6);

                assertThat(store.get("qos2")).hasValueSatisfying(s -> assertThat(s.pending()).singleElement()
                        .satisfies(m -> {
                            assertThat(m.released()).isTrue();
                            assertThat(m.packetId()).isEqualTo(packetId);
                        }));
            }
        }
    }

    /** An in-memory store that records the client ids it was asked to remove. */
    private static final class RemovalRecordingStore implements SessionStore {
        final InMemorySessionStore delegate = new InMemorySessionStore();
        final java.util.List<String> removed = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
            return delegate.loadAll();
        }

        @Override
        public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
            return delegate.load(clientId);
        }

        @Override
        public CompletableFuture<Void> save(SessionSnapshot snapshot) {
            return delegate.save(snapshot);
        }

        @Override
        public CompletableFuture<Void> remove(String clientId) {
            removed.add(clientId);
            return delegate.remove(clientId);
        }

        @Override
        public CompletableFuture<Void> append(String clientId, PendingMessage message) {
            return delegate.append(clientId, message);
        }

        @Override
        public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
            return delegate.acknowledge(clientId, sequence);
        }
    }

    @Test
    void cleanSessionThatNeverReachedTheStoreCostsTheStoreNoDeleteWhenItEnds() throws Exception {
        RemovalRecordingStore store = new RemovalRecordingStore();
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        MqttBroker broker = new MqttBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, store, new InMemoryRetainedStore(), new MetricRegistry());
        broker.start();
        try {
            try (RawMqttClient persistent = new RawMqttClient(broker.port())) {
                persistent.send(RawMqttClient.connect(4, "persistent", false, 60));
                assertThat(persistent.read().type()).isEqualTo(2);
                persistent.send(RawMqttClient.packet(0xE0, new byte[0]));
                assertThat(persistent.readUntilClosed()).isEmpty();
            }
            assertThat(store.delegate.get("persistent")).isPresent();
            try (RawMqttClient clean = new RawMqttClient(broker.port())) {
                clean.send(RawMqttClient.connect(4, "clean", true, 60));
                assertThat(clean.read().type()).isEqualTo(2);
                clean.send(RawMqttClient.packet(0xE0, new byte[0]));
                assertThat(clean.readUntilClosed()).isEmpty();
            }
            // The persistent session, replaced by a clean start, must leave the store.
            try (RawMqttClient replacing = new RawMqttClient(broker.port())) {
                replacing.send(RawMqttClient.connect(4, "persistent", true, 60));
                assertThat(replacing.read().type()).isEqualTo(2);
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(store.delegate.get("persistent")).isEmpty());
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(broker.sessionCount()).isZero());
            assertThat(store.removed).contains("persistent").doesNotContain("clean");
        } finally {
            broker.stop();
        }
    }

    /** An in-memory store whose appends complete only when the test releases them. */
    private static final class GatedStore implements SessionStore {
        final InMemorySessionStore delegate = new InMemorySessionStore();
        final CompletableFuture<Void> gate = new CompletableFuture<>();
        final CountDownLatch appended = new CountDownLatch(1);

        @Override
        public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
            return delegate.loadAll();
        }

        @Override
        public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
            return delegate.load(clientId);
        }

        @Override
        public CompletableFuture<Void> save(SessionSnapshot snapshot) {
            return delegate.save(snapshot);
        }

        @Override
        public CompletableFuture<Void> remove(String clientId) {
            return delegate.remove(clientId);
        }

        @Override
        public CompletableFuture<Void> append(String clientId, PendingMessage message) {
            delegate.append(clientId, message);
            appended.countDown();
            return gate;
        }

        @Override
        public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
            return delegate.acknowledge(clientId, sequence);
        }
    }

    @Test
    void pubackWaitsUntilTheStoreHasTheMessage() throws Exception {
        GatedStore store = new GatedStore();
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        MqttBroker broker = new MqttBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, store, new InMemoryRetainedStore(), new MetricRegistry());
        broker.start();
        try {
            try (RawMqttClient subscriber = new RawMqttClient(broker.port())) {
                subscriber.send(RawMqttClient.connect(4, "gated", false, 60));
                assertThat(subscriber.read().type()).isEqualTo(2);
                subscriber.send(RawMqttClient.subscribe(1, "wt/#", 1, false));
                assertThat(subscriber.read().type()).isEqualTo(9);
                subscriber.send(RawMqttClient.packet(0xE0, new byte[0]));
                assertThat(subscriber.readUntilClosed()).isEmpty();
            }
            try (RawMqttClient publisher = new RawMqttClient(broker.port())) {
                publisher.send(RawMqttClient.connect(4, "gatedPub", true, 60));
                assertThat(publisher.read().type()).isEqualTo(2);
                publisher.send(RawMqttClient.publish(1, "wt/1", 1, "held", false));
                assertThat(store.appended.await(5, TimeUnit.SECONDS)).isTrue();
                // Without the wait the PUBACK would be written while the PUBLISH is handled, before this PINGREQ is read.
                publisher.send(RawMqttClient.packet(0xC0, new byte[0]));
                assertThat(publisher.read().type()).as("PINGRESP before PUBACK").isEqualTo(13);

                store.gate.complete(null);

                assertThat(publisher.read().type()).as("PUBACK").isEqualTo(4);
            }
        } finally {
            broker.stop();
        }
    }

    @Test
    void nothingIsStoredForASessionThatEndsWithItsConnection() throws Exception {
        InMemorySessionStore store = new InMemorySessionStore();
        try (TestBroker broker = TestBroker.withSessionStore(store)) {
            try (RawMqttClient subscriber = new RawMqttClient(broker.port())) {
                subscriber.send(RawMqttClient.connect(4, "clean", true, 60));
                assertThat(subscriber.read().type()).isEqualTo(2);
                subscriber.send(RawMqttClient.subscribe(1, "wt/#", 1, false));
                assertThat(subscriber.read().type()).isEqualTo(9);
                publishAcknowledged(broker, 1, 1);
                assertThat(subscriber.read().type()).isEqualTo(3);
                assertThat(store.get("clean")).isEmpty();
                assertThat(store.loadAll().join()).isEmpty();
            }
        }
    }
}
