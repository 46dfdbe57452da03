package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PUBCOMP of an inbound QoS 2 flow of a persistent session waits until the stored "received"
 * record of its packet id is gone: a record that survives a crash after PUBCOMP would answer the
 * client's next PUBLISH reusing that packet id as a retransmission (PUBREC, nothing stored), and
 * that message would be lost.
 */
class InboundQos2ReleaseTest {

    private static final byte[] PINGREQ = RawMqttClient.packet(0xC0, new byte[0]);

    /** The in-memory store, with the forgetting of inbound QoS 2 packet ids held until the test lets it go. */
    private static final class HeldReleaseStore implements SessionStore {
        final InMemorySessionStore store = new InMemorySessionStore();
        /* One gate per release asked for: the release reaches the store once its gate opens. */
        final List<CompletableFuture<Void>> gates = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
            CompletableFuture<Void> gate = new CompletableFuture<>();
            gates.add(gate);
            return gate.thenCompose(ignored -> store.releasedQos2(clientId, packetId));
        }

        void letReleasesGo() {
            gates.forEach(gate -> gate.complete(null));
        }

        @Override
        public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
            return store.loadAll();
        }

        @Override
        public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
            return store.load(clientId);
        }

        @Override
        public CompletableFuture<Void> save(SessionSnapshot snapshot) {
            return store.save(snapshot);
        }

        @Override
        public CompletableFuture<Void> remove(String clientId) {
            return store.remove(clientId);
        }

        @Override
        public CompletableFuture<Void> append(String clientId, PendingMessage message) {
            return store.append(clientId, message);
        }

        @Override
        public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
            return store.acknowledge(clientId, sequence);
        }

        @Override
        public CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
            return store.receivedQos2(clientId, packetId);
        }

        @Override
        public CompletableFuture<Void> sendingQos2(String clientId, int packetId, Instant receivedAt) {
            return store.sendingQos2(clientId, packetId, receivedAt);
        }
    }

    @Test
    void pubcompOfAPersistentSessionWaitsUntilTheReceivedRecordIsGone() throws Exception {
        HeldReleaseStore store = new HeldReleaseStore();
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store);
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            publisher.send(RawMqttClient.connect(4, "pub", false, 60));
            assertThat(publisher.read().type()).isEqualTo(2);
            publisher.send(RawMqttClient.publish(2, "x/1", 7, "first", false));
            assertThat(publisher.read().type()).as("PUBREC").isEqualTo(5);
            assertThat(store.store.get("pub").orElseThrow().inboundQos2()).containsExactly(7);

            publisher.pubrel(7);
            publisher.send(PINGREQ);
            assertThat(publisher.read().type()).as("PINGRESP before PUBCOMP: the record is still there")
                    .isEqualTo(13);
            assertThat(store.store.get("pub").orElseThrow().inboundQos2()).containsExactly(7);

            store.letReleasesGo();
            RawMqttClient.Packet pubcomp = publisher.read();
            assertThat(pubcomp.type()).isEqualTo(7);
            assertThat(pubcomp.body()).startsWith(0, 7);
            assertThat(store.store.get("pub").orElseThrow().inboundQos2()).isEmpty();
        }
    }

    @Test
    void pubcompOfACleanSessionIsSentAtOnce() throws Exception {
        HeldReleaseStore store = new HeldReleaseStore();
        try (TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL,
                PublishSink.NONE, SessionListener.NONE, store);
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            publisher.send(RawMqttClient.connect(4, "pub", true, 60));
            assertThat(publisher.read().type()).isEqualTo(2);
            publisher.send(RawMqttClient.publish(2, "x/1", 7, "first", false));
            assertThat(publisher.read().type()).as("PUBREC").isEqualTo(5);
            publisher.pubrel(7);
            assertThat(publisher.read().type()).as("PUBCOMP: nothing stored to wait for").isEqualTo(7);
            assertThat(store.gates).isEmpty();
        }
    }
}
