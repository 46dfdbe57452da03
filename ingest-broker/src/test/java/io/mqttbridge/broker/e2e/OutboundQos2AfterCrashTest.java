package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.e2e.DurableAckTest.ManualSink;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The outbound half of QoS 2 exactly once across a crash: a message the subscriber received but
 * whose PUBREC never reached the store is sent again by the restarted broker with the packet id the
 * subscriber already holds, so the subscriber answers PUBREC and does not deliver it twice.
 */
class OutboundQos2AfterCrashTest {

    private static final byte[] PINGREQ = RawMqttClient.packet(0xC0, new byte[0]);

    private static TestBroker broker(ManualSink sink, SessionStore store) {
        return new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, sink, SessionListener.NONE, store);
    }

    private static RawMqttClient connect(TestBroker broker, String clientId, boolean clean) throws Exception {
        RawMqttClient client = new RawMqttClient(broker.port());
        client.send(RawMqttClient.connect(4, clientId, clean, 60));
        assertThat(client.read().type()).isEqualTo(2);
        return client;
    }

    private static int packetIdOf(Packet publish) {
        byte[] body = publish.body();
        int at = 2 + (((body[0] & 0xFF) << 8) | (body[1] & 0xFF));
        return ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
    }

    private static void publishStored(RawMqttClient publisher, ManualSink sink, int packetId, String payload)
            throws Exception {
        publisher.send(RawMqttClient.publish(2, "q/1", packetId, payload, false));
        await().until(() -> sink.futures.size() >= packetId);
        sink.futures.get(packetId - 1).complete(null);
        assertThat(publisher.read().type()).as("PUBREC").isEqualTo(5);
        publisher.pubrel(packetId);
        assertThat(publisher.read().type()).as("PUBCOMP").isEqualTo(7);
    }

    @Test
    void aQos2MessageResentAfterACrashKeepsThePacketIdTheSubscriberHolds() throws Exception {
        ManualSink sink = new ManualSink();
        InMemorySessionStore first = new InMemorySessionStore();
        InMemorySessionStore atTheCrash = new InMemorySessionStore();
        int heldPacketId;
        try (TestBroker broker = broker(sink, first);
             RawMqttClient subscriber = connect(broker, "sub", false);
             RawMqttClient publisher = connect(broker, "pub", true)) {
            subscriber.send(RawMqttClient.subscribe(1, "q/#", 2, false));
            assertThat(subscriber.read().type()).isEqualTo(9);

            // Two complete flows move the subscriber's packet ids past where a fresh counter starts.
            for (int i = 1; i <= 2; i++) {
                publishStored(publisher, sink, i, "done-" + i);
                Packet delivered = subscriber.read();
                assertThat(delivered.type()).isEqualTo(3);
                subscriber.send(RawMqttClient.packet(0x50, packetIdBytes(packetIdOf(delivered))));
                assertThat(subscriber.read().type()).as("PUBREL").isEqualTo(6);
                subscriber.send(RawMqttClient.packet(0x70, packetIdBytes(packetIdOf(delivered))));
            }
            publishStored(publisher, sink, 3, "held");
            Packet held = subscriber.read();
            assertThat(held.type()).isEqualTo(3);
            assertThat(new String(held.body())).endsWith("held");
            heldPacketId = packetIdOf(held);

            // What the store holds if the broker dies now: the message, written through before the
            // publisher's PUBREC, and no packet id for it (that is stored only at the subscriber's PUBREC).
            await().until(() -> first.get("sub").map(s -> s.pending().size() == 1).orElse(false));
            SessionSnapshot stored = first.get("sub").orElseThrow();
            assertThat(stored.pending().get(0).packetId()).isZero();
            atTheCrash.save(stored).join();
        }

        try (TestBroker restarted = broker(sink, atTheCrash);
             RawMqttClient subscriber = connect(restarted, "sub", false)) {
            Packet resent = subscriber.read();
            assertThat(resent.type()).isEqualTo(3);
            assertThat(new String(resent.body())).endsWith("held");
            assertThat(packetIdOf(resent)).as("the id the subscriber holds for it").isEqualTo(heldPacketId);
        }
    }

    @Test
    void pubrelWaitsForThePubrecReceivedStateSoAFlowTheSubscriberCompletedIsResentAsPubrelAfterACrash()
            throws Exception {
        ManualSink sink = new ManualSink();
        InMemorySessionStore committed = new InMemorySessionStore();
        HeldAppends store = new HeldAppends(committed, PendingMessage::released);
        InMemorySessionStore atTheCrash = new InMemorySessionStore();
        int packetId;
        try (TestBroker broker = broker(sink, store);
             RawMqttClient subscriber = connect(broker, "sub", false);
             RawMqttClient publisher = connect(broker, "pub", true)) {
            subscriber.send(RawMqttClient.subscribe(1, "q/#", 2, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            publishStored(publisher, sink, 1, "once");
            Packet delivered = subscriber.read();
            assertThat(delivered.type()).isEqualTo(3);
            packetId = packetIdOf(delivered);

            subscriber.send(RawMqttClient.packet(0x50, packetIdBytes(packetId)));
            await().until(() -> store.held != null);
            subscriber.send(PINGREQ);
            assertThat(subscriber.read().type())
                    .as("no PUBREL while the PUBREC-received state is not durable").isEqualTo(13);

            store.releaseHeld();
            assertThat(subscriber.read().type()).as("PUBREL once it is").isEqualTo(6);
            // The broker dies after the subscriber's PUBCOMP, before the flow's removal is committed.
            SessionSnapshot stored = committed.get("sub").orElseThrow();
            assertThat(stored.pending()).singleElement().satisfies(m -> assertThat(m.released()).isTrue());
            atTheCrash.save(stored).join();
            subscriber.send(RawMqttClient.packet(0x70, packetIdBytes(packetId)));
        }

        try (TestBroker restarted = broker(sink, atTheCrash);
             RawMqttClient subscriber = connect(restarted, "sub", false)) {
            Packet resent = subscriber.read();
            assertThat(resent.type()).as("PUBREL again, never the PUBLISH the subscriber completed").isEqualTo(6);
            assertThat(((resent.body()[0] & 0xFF) << 8) | (resent.body()[1] & 0xFF)).isEqualTo(packetId);
            // The subscriber forgot the id: it answers PUBCOMP and the flow ends.
            subscriber.send(RawMqttClient.packet(0x70, packetIdBytes(packetId)));
            await().until(() -> atTheCrash.get("sub").orElseThrow().pending().isEmpty());
            subscriber.send(PINGREQ);
            assertThat(subscriber.read().type()).isEqualTo(13);
        }
    }

    @Test
    void aQos2MessageGoesToAPersistentSubscriberOnlyOnceItsCopyIsDurable() throws Exception {
        // Sent earlier, a crash before the copy's commit would leave the subscriber holding a message
        // (and a packet id) that the restored session knows nothing of.
        ManualSink sink = new ManualSink();
        HeldAppends store = new HeldAppends(new InMemorySessionStore(), m -> m.qos() == 2 && !m.released());
        try (TestBroker broker = broker(sink, store);
             RawMqttClient subscriber = connect(broker, "sub", false);
             RawMqttClient publisher = connect(broker, "pub", true)) {
            subscriber.send(RawMqttClient.subscribe(1, "q/#", 2, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            publisher.send(RawMqttClient.publish(2, "q/1", 1, "first", false));
            await().until(() -> sink.futures.size() == 1);
            sink.futures.get(0).complete(null);
            await().until(() -> store.held != null);

            subscriber.send(PINGREQ);
            assertThat(subscriber.read().type()).as("no PUBLISH while its copy is not durable").isEqualTo(13);
            store.releaseHeld();
            Packet delivered = subscriber.read();
            assertThat(delivered.type()).as("PUBLISH once it is").isEqualTo(3);
            assertThat(new String(delivered.body())).endsWith("first");
            assertThat(publisher.read().type()).as("PUBREC").isEqualTo(5);
        }
    }

    /** A store whose appends of the messages {@code held} picks wait until the test lets them through. */
    private static final class HeldAppends implements SessionStore {
        private final InMemorySessionStore delegate;
        private final Predicate<PendingMessage> holds;
        volatile CompletableFuture<Void> held;
        private volatile Runnable apply;

        HeldAppends(InMemorySessionStore delegate, Predicate<PendingMessage> holds) {
            this.delegate = delegate;
            this.holds = holds;
        }

        void releaseHeld() {
            apply.run();
            held.complete(null);
        }

        @Override
        public CompletableFuture<Void> append(String clientId, PendingMessage message) {
            if (!holds.test(message)) {
                return delegate.append(clientId, message);
            }
            apply = () -> delegate.append(clientId, message);
            CompletableFuture<Void> future = new CompletableFuture<>();
            held = future;
            return future;
        }

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
        public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
            return delegate.acknowledge(clientId, sequence);
        }
    }

    private static byte[] packetIdBytes(int packetId) {
        return new byte[] {(byte) (packetId >> 8), (byte) packetId};
    }
}
