package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.InDoubtQos2;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The window between the sink's write of a QoS 2 message and the record of its packet id: the
 * packet id is recorded as "handed to the sink, outcome unknown" before the sink gets the message,
 * and a retransmission of such a message (after a crash of the node, or after the sink failed it
 * although it was written) is looked up in the sink: answered with PUBREC and routed when the sink
 * has it, handed over again when not. Never stored twice, never delivered twice.
 */
class InboundQos2InDoubtTest {

    private static final byte[] PINGREQ = RawMqttClient.packet(0xC0, new byte[0]);

    /** A sink whose results the test sets, and which remembers what it "wrote" for {@link #isStored}. */
    static final class LookupSink implements PublishSink {
        final List<PublishedMessage> messages = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<Void>> futures = new CopyOnWriteArrayList<>();
        final List<PublishedMessage> written = new CopyOnWriteArrayList<>();
        /* What the store held for the publisher when each message reached the sink. */
        final List<List<InDoubtQos2>> inDoubtAtSend = new CopyOnWriteArrayList<>();
        volatile InMemorySessionStore store;
        final AtomicInteger lookups = new AtomicInteger();
        /* The first this many look-ups fail (Kafka still away). */
        volatile int failingLookups;

        @Override
        public CompletableFuture<Void> accept(PublishedMessage message) {
            InMemorySessionStore current = store;
            inDoubtAtSend.add(current == null ? List.of()
                    : current.get(message.clientId()).map(SessionSnapshot::inboundQos2InDoubt).orElse(List.of()));
            CompletableFuture<Void> future = new CompletableFuture<>();
            messages.add(message);
            futures.add(future);
            return future;
        }

        /** Kafka wrote message {@code index} (whatever its future says). */
        void write(int index) {
            written.add(messages.get(index));
        }

        @Override
        public CompletableFuture<Boolean> isStored(PublishedMessage message) {
            if (lookups.incrementAndGet() <= failingLookups) {
                return CompletableFuture.failedFuture(new IllegalStateException("Kafka unreachable"));
            }
            return CompletableFuture.completedFuture(written.stream().anyMatch(w ->
                    Objects.equals(w.clientId(), message.clientId()) && w.receivedAt().equals(message.receivedAt())
                            && w.topic().equals(message.topic()) && Arrays.equals(w.payload(), message.payload())));
        }
    }

    private static TestBroker broker(LookupSink sink, InMemorySessionStore store) {
        sink.store = store;
        return new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, sink, SessionListener.NONE, store);
    }

    private static RawMqttClient connect(TestBroker broker, String clientId, boolean clean) throws Exception {
        RawMqttClient client = new RawMqttClient(broker.port());
        client.send(RawMqttClient.connect(4, clientId, clean, 60));
        assertThat(client.read().type()).isEqualTo(2);
        return client;
    }

    private static byte[] withDup(byte[] publish) {
        publish[0] |= 0x08;
        return publish;
    }

    /** What {@code from} holds for {@code clientId} now, written to {@code to} as the broker writes it. */
    private static void copy(InMemorySessionStore from, InMemorySessionStore to, String clientId) {
        SessionSnapshot stored = from.get(clientId).orElseThrow();
        to.save(stored).join();
        stored.inboundQos2InDoubt().forEach(f -> to.sendingQos2(clientId, f.packetId(), f.receivedAt()).join());
        stored.inboundQos2().forEach(packetId -> to.receivedQos2(clientId, packetId).join());
    }

    private static void subscribeAndLeave(TestBroker broker, String filter) throws Exception {
        try (RawMqttClient subscriber = connect(broker, "sub", false)) {
            subscriber.send(RawMqttClient.subscribe(1, filter, 2, false));
            assertThat(subscriber.read().type()).isEqualTo(9);
            subscriber.send(RawMqttClient.packet(0xE0, new byte[0]));
            assertThat(subscriber.readUntilClosed()).isEmpty();
        }
    }

    /** The subscriber comes back and gets exactly {@code payload}, once. */
    private static void deliveredOnce(TestBroker broker, String payload) throws Exception {
        try (RawMqttClient subscriber = connect(broker, "sub", false)) {
            Packet delivered = subscriber.read();
            assertThat(delivered.type()).isEqualTo(3);
            assertThat(new String(delivered.body())).endsWith(payload);
            int at = 2 + (((delivered.body()[0] & 0xFF) << 8) | (delivered.body()[1] & 0xFF));
            subscriber.send(RawMqttClient.packet(0x50, new byte[] {delivered.body()[at], delivered.body()[at + 1]}));
            assertThat(subscriber.read().type()).isEqualTo(6);
            subscriber.send(PINGREQ);
            assertThat(subscriber.read().type()).as("delivered once: nothing before the PINGRESP").isEqualTo(13);
        }
    }

    @Test
    void aQos2MessageTheSinkWroteJustBeforeACrashIsAnsweredWithPubrecAfterTheRestartAndNotStoredAgain()
            throws Exception {
        LookupSink sink = new LookupSink();
        InMemorySessionStore store = new InMemorySessionStore();
        InMemorySessionStore atTheCrash = new InMemorySessionStore();
        try (TestBroker first = broker(sink, store)) {
            subscribeAndLeave(first, "x/#");
            try (RawMqttClient publisher = connect(first, "pub", false)) {
                publisher.send(RawMqttClient.publish(2, "x/1", 7, "once", false));
                await().until(() -> sink.messages.size() == 1);
                assertThat(sink.inDoubtAtSend.get(0)).as("recorded before the sink had it")
                        .extracting(InDoubtQos2::packetId).containsExactly(7);
                // The node dies after Kafka wrote the record, before it answered: nothing else is stored.
                sink.write(0);
                copy(store, atTheCrash, "pub");
                copy(store, atTheCrash, "sub");
            }
        }

        try (TestBroker restarted = broker(sink, atTheCrash)) {
            try (RawMqttClient publisher = connect(restarted, "pub", false)) {
                publisher.send(withDup(RawMqttClient.publish(2, "x/1", 7, "once", false)));
                assertThat(publisher.read().type()).as("PUBREC for the retransmission").isEqualTo(5);
                assertThat(sink.messages).as("not stored again").hasSize(1);
                assertThat(atTheCrash.get("pub").orElseThrow().inboundQos2()).containsExactly(7);
                publisher.pubrel(7);
                assertThat(publisher.read().type()).isEqualTo(7);
                await().until(() -> atTheCrash.get("pub").map(s -> s.inboundQos2().isEmpty()
                        && s.inboundQos2InDoubt().isEmpty()).orElseThrow());
            }
            deliveredOnce(restarted, "once");
        }
    }

    @Test
    void aQos2MessageTheSinkNeverWroteIsHandedOverAgainWithItsFirstReceiveTime() throws Exception {
        LookupSink sink = new LookupSink();
        InMemorySessionStore store = new InMemorySessionStore();
        InMemorySessionStore atTheCrash = new InMemorySessionStore();
        try (TestBroker first = broker(sink, store)) {
            subscribeAndLeave(first, "y/#");
            try (RawMqttClient publisher = connect(first, "pub", false)) {
                publisher.send(RawMqttClient.publish(2, "y/1", 9, "lost-in-flight", false));
                await().until(() -> sink.messages.size() == 1);
                copy(store, atTheCrash, "pub");
                copy(store, atTheCrash, "sub");
            }
        }

        try (TestBroker restarted = broker(sink, atTheCrash)) {
            try (RawMqttClient publisher = connect(restarted, "pub", false)) {
                publisher.send(withDup(RawMqttClient.publish(2, "y/1", 9, "lost-in-flight", false)));
                await().until(() -> sink.messages.size() == 2);
                assertThat(sink.messages.get(1).receivedAt()).isEqualTo(sink.messages.get(0).receivedAt());
                sink.futures.get(1).complete(null);
                assertThat(publisher.read().type()).isEqualTo(5);
                publisher.pubrel(9);
                assertThat(publisher.read().type()).isEqualTo(7);
            }
            deliveredOnce(restarted, "lost-in-flight");
        }
    }

    @Test
    void aQos2SendThatTimedOutButWasWrittenIsLookedUpAndAnsweredWithASuccessfulPubrec() throws Exception {
        LookupSink sink = new LookupSink();
        try (TestBroker broker = broker(sink, new InMemorySessionStore())) {
            subscribeAndLeave(broker, "w/#");
            try (RawMqttClient publisher = new RawMqttClient(broker.port())) {
                publisher.send(RawMqttClient.connect5("pub5", false, 60, new byte[] {0x11, 0, 0, 0x0E, 0x10}));
                assertThat(publisher.read().type()).isEqualTo(2);
                publisher.send(RawMqttClient.publish(2, "w/1", 4, "timed-out-5", true));
                await().until(() -> sink.messages.size() == 1);
                // Kafka wrote it but went away before the producer heard so: the send times out.
                sink.write(0);
                sink.futures.get(0).completeExceptionally(
                        new PublishRejectedException(MqttReasonCode.UNSPECIFIED_ERROR, "delivery timeout", null));
                Packet pubrec = publisher.read();
                assertThat(pubrec.type()).isEqualTo(5);
                assertThat(pubrec.body().length == 2 || pubrec.body()[2] == 0).as("success, not 0x80").isTrue();
                assertThat(sink.messages).as("not stored again").hasSize(1);
                publisher.pubrel(4);
                assertThat(publisher.read().type()).isEqualTo(7);
            }
            deliveredOnce(broker, "timed-out-5");
        }
    }

    @Test
    void aRetransmissionOfAQos2MessageWhoseSendTimedOutButWasWrittenIsNotStoredTwice() throws Exception {
        LookupSink sink = new LookupSink();
        // Kafka is still away when the send times out: the look-ups right after it fail too.
        sink.failingLookups = 3;
        try (TestBroker broker = broker(sink, new InMemorySessionStore())) {
            subscribeAndLeave(broker, "z/#");
            try (RawMqttClient publisher = connect(broker, "pub", false)) {
                publisher.send(RawMqttClient.publish(2, "z/1", 3, "timed-out", false));
                await().until(() -> sink.messages.size() == 1);
                sink.write(0);
                sink.futures.get(0).completeExceptionally(
                        new PublishRejectedException(MqttReasonCode.UNSPECIFIED_ERROR, "delivery timeout", null));
                assertThat(publisher.readUntilClosed()).as("3.1.1: closed, no PUBREC").isEmpty();
            }
            try (RawMqttClient publisher = connect(broker, "pub", false)) {
                publisher.send(withDup(RawMqttClient.publish(2, "z/1", 3, "timed-out", false)));
                assertThat(publisher.read().type()).isEqualTo(5);
                assertThat(sink.messages).as("not stored again").hasSize(1);
                publisher.pubrel(3);
                assertThat(publisher.read().type()).isEqualTo(7);
            }
            deliveredOnce(broker, "timed-out");
        }
    }

    @Test
    void aRetransmissionOfAQos2MessageTheSinkRefusedBeforeSendingGoesStraightToTheSinkAgain() throws Exception {
        LookupSink sink = new LookupSink();
        try (TestBroker broker = broker(sink, new InMemorySessionStore())) {
            subscribeAndLeave(broker, "q/#");
            try (RawMqttClient publisher = connect(broker, "pub", false)) {
                publisher.send(RawMqttClient.publish(2, "q/1", 5, "refused-first", false));
                await().until(() -> sink.messages.size() == 1);
                sink.futures.get(0).completeExceptionally(
                        new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED, "over the limit", null));
                assertThat(publisher.readUntilClosed()).isEmpty();
            }
            try (RawMqttClient publisher = connect(broker, "pub", false)) {
                publisher.send(withDup(RawMqttClient.publish(2, "q/1", 5, "refused-first", false)));
                await().until(() -> sink.messages.size() == 2);
                assertThat(sink.lookups).as("never written: nothing to look up").hasValue(0);
                sink.futures.get(1).complete(null);
                assertThat(publisher.read().type()).isEqualTo(5);
                publisher.pubrel(5);
                assertThat(publisher.read().type()).isEqualTo(7);
            }
            deliveredOnce(broker, "refused-first");
        }
    }
}
