package io.mqttbridge.db.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link StoredMessageRows} against the real schema, with concurrent transactions where it matters. */
class StoredMessageRowsTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private static final Instant RECEIVED = Instant.parse("2026-12-07T01:00:00.123456789Z");

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> h.execute(
                "TRUNCATE broker_session_messages, broker_recovery_messages, broker_stored_messages"));
    }

    private static PublishedMessage message(String payload) {
        return new PublishedMessage("fleet/cmd", payload.getBytes(), 1, false, "operator", "alice", MqttVersion.MQTT_5,
                RECEIVED, new MessageProperties(1, 60L, "text/plain", "replies", new byte[] {9},
                        List.of(new UserProperty("k", "v"))));
    }

    private static void queue(Handle h, String client, long sequence, PublishedMessage message) {
        SessionMessageRows.upsert(h, List.of(Map.entry(client, new PendingMessage(message, 1, 0, false, List.of(), sequence))));
    }

    /** Queues {@code message} as sequence 1 of each client's session, in one write: it is stored once. */
    private static void queueForAll(Handle h, PublishedMessage message, String... clients) {
        List<Map.Entry<String, PendingMessage>> rows = new ArrayList<>();
        for (String client : clients) {
            rows.add(Map.entry(client, new PendingMessage(message, 1, 0, false, List.of(), 1)));
        }
        SessionMessageRows.upsert(h, rows);
    }

    /** Acknowledges {@code messages} in a transaction, then forgets what they released, as the store's writer does. */
    private static void acknowledgeAndForget(SessionWrite.Message... messages) {
        List<byte[]> released = db.jdbi().inTransaction(h -> SessionMessageRows.acknowledge(h, List.of(messages)));
        StoredMessageRows.forgetUnreferenced(db.jdbi(), released);
    }

    private static List<String> contents() {
        return db.jdbi().withHandle(h -> h.createQuery("""
                SELECT client_id || ':' || CASE WHEN message IS NULL THEN 'stored' ELSE 'own' END
                  FROM broker_session_messages ORDER BY client_id, sequence""").mapTo(String.class).list());
    }

    private static long storedCount() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM broker_stored_messages").mapTo(Long.class).one());
    }

    @Test
    void aMessageQueuedForManySessionsIsStoredOnceAndReadBackAsOneObject() {
        PublishedMessage broadcast = message("reboot");
        PublishedMessage equalButAnotherObject = message("reboot");
        List<Map.Entry<String, PendingMessage>> rows = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rows.add(Map.entry("device-" + i, new PendingMessage(i % 2 == 0 ? broadcast : equalButAnotherObject,
                    1, 0, false, List.of(), 1)));
        }
        rows.add(Map.entry("device-0", new PendingMessage(message("other"), 1, 0, false, List.of(), 2)));

        db.jdbi().useTransaction(h -> SessionMessageRows.upsert(h, rows));

        assertThat(storedCount()).as("the broadcast once; the other message is in its row").isEqualTo(1);
        assertThat(contents()).contains("device-0:stored", "device-1:stored", "device-0:own");
        SharedMessages shared = new SharedMessages();
        Map<String, List<PendingMessage>> read = db.jdbi().inTransaction(h -> SessionMessageReads.byClient(h,
                List.of("device-0", "device-1", "device-49"), shared));
        assertThat(shared.size()).as("the broadcast and the other message, each decoded once").isEqualTo(2);
        PublishedMessage first = read.get("device-0").get(0).message();
        assertThat(read.get("device-1").get(0).message()).isSameAs(first);
        assertThat(read.get("device-49").get(0).message()).isSameAs(first);
        assertThat(new String(first.payload())).isEqualTo("reboot");
        assertThat(first.properties().userProperties()).containsExactly(new UserProperty("k", "v"));
        assertThat(new String(read.get("device-0").get(1).message().payload())).isEqualTo("other");
    }

    @Test
    void largeMessagesAreEncodedAPartAtATimeAndAMessageManyRowsHoldCountsOncePerPart() {
        // A node's stop saves every session's messages in one batch; their text at once took more than the heap.
        byte[] payload = new byte[3_000_000]; // 4 MB of text: two fit in a part of 8 MiB, three do not
        List<Map.Entry<String, PendingMessage>> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            PublishedMessage large = new PublishedMessage("fleet/fw", payload, 1, false, "operator", null,
                    MqttVersion.MQTT_5, RECEIVED, MessageProperties.NONE);
            rows.add(Map.entry("device-" + i, new PendingMessage(large, 1, 0, false, List.of(), 1)));
        }
        PublishedMessage broadcast = message("reboot");
        for (int i = 0; i < 25_000; i++) {
            rows.add(Map.entry("fleet-" + i, new PendingMessage(broadcast, 1, 0, false, List.of(), 1)));
        }

        List<List<Map.Entry<String, PendingMessage>>> parts = SessionMessageRows.parts(rows);

        assertThat(parts).extracting(List::size).as("two large ones a part; 10,000 rows at most")
                .containsExactly(2, 2, 10_000, 10_000, 5_001);
        assertThat(parts.stream().flatMap(List::stream).toList()).as("all, in their order").isEqualTo(rows);
        assertThat(SessionMessageRows.parts(List.of())).isEmpty();
        PublishedMessage huge = new PublishedMessage("fleet/fw", new byte[12 << 20], 1, false, "operator", null,
                MqttVersion.MQTT_5, RECEIVED, MessageProperties.NONE);
        assertThat(SessionMessageRows.parts(List.of(Map.entry("one", new PendingMessage(huge, 1, 0, false, List.of(), 1)),
                        Map.entry("two", new PendingMessage(broadcast, 1, 0, false, List.of(), 1)))))
                .extracting(List::size).as("one larger than a part goes alone").containsExactly(1, 1);
    }

    @Test
    void moreRowsThanOneStatementTakesAreAllWritten() {
        // A node's stop saves every session in one batch: the rows go in several statements.
        PublishedMessage broadcast = message("reboot");
        List<Map.Entry<String, PendingMessage>> rows = new ArrayList<>();
        for (int i = 0; i < 10_500; i++) {
            rows.add(Map.entry("device-" + i, new PendingMessage(broadcast, 1, 0, false, List.of(i % 7), 1)));
            rows.add(Map.entry("device-" + i, new PendingMessage(message("own " + i), 1, 0, false, List.of(), 2)));
        }

        db.jdbi().useTransaction(h -> SessionMessageRows.upsert(h, rows));

        long written = db.jdbi().withHandle(h -> h.createQuery("""
                SELECT count(*) FROM broker_session_messages
                 WHERE (sequence = 1 AND message IS NULL AND subscription_ids = ARRAY[(substr(client_id, 8)::int % 7)])
                    OR (sequence = 2 AND message ->> 'topic' = 'fleet/cmd')""").mapTo(Long.class).one());
        assertThat(written).isEqualTo(21_000);
        assertThat(storedCount()).isEqualTo(1);
    }

    @Test
    void aMessageForOneSessionStaysInItsRowAndARewriteKeepsAReferenceAsItIs() {
        PublishedMessage broadcast = message("reboot");
        db.jdbi().useTransaction(h -> {
            queue(h, "alone", 1, message("only for me"));
            queueForAll(h, broadcast, "a", "b");
        });
        assertThat(contents()).containsExactly("a:stored", "alone:own", "b:stored");

        // PUBREC of a QoS 2 message rewrites its row alone.
        db.jdbi().useTransaction(h -> SessionMessageRows.upsert(h, List.of(Map.entry("a",
                new PendingMessage(broadcast, 2, 7, true, List.of(), 1)))));

        assertThat(contents()).containsExactly("a:stored", "alone:own", "b:stored");
        assertThat(storedCount()).isEqualTo(1);
        Map<String, List<PendingMessage>> read = db.jdbi().inTransaction(h -> SessionMessageReads.byClient(h,
                List.of("a", "alone"), new SharedMessages()));
        assertThat(read.get("a").get(0).released()).isTrue();
        assertThat(read.get("a").get(0).packetId()).isEqualTo(7);
        assertThat(new String(read.get("a").get(0).message().payload())).isEqualTo("reboot");
        assertThat(new String(read.get("alone").get(0).message().payload())).isEqualTo("only for me");
    }

    @Test
    void aStoredMessageGoesWithItsLastReference() {
        PublishedMessage broadcast = message("reboot");
        db.jdbi().useTransaction(h -> queueForAll(h, broadcast, "a", "b"));

        acknowledgeAndForget(new SessionWrite.Message("a", 1));
        assertThat(storedCount()).isEqualTo(1);

        acknowledgeAndForget(new SessionWrite.Message("b", 1));
        assertThat(storedCount()).isZero();
    }

    @Test
    void aMessageAnotherTransactionIsStoringIsNotDeletedAndItsWriterNeverWaitsOnADeletion() throws Exception {
        PublishedMessage broadcast = message("reboot");
        db.jdbi().useTransaction(h -> queueForAll(h, broadcast, "a", "a2"));
        db.jdbi().useTransaction(h -> SessionMessageRows.acknowledge(h, List.of(new SessionWrite.Message("a2", 1))));
        CountDownLatch stored = new CountDownLatch(1);
        CountDownLatch forgotten = new CountDownLatch(1);
        // Another node stores the same message for its session and has not committed yet...
        CompletableFuture<Void> otherNode = CompletableFuture.runAsync(() -> db.jdbi().useTransaction(h -> {
            Map<PublishedMessage, StoredMessageRows.Content> contents = StoredMessageRows.store(h,
                    List.of(broadcast, broadcast));
            stored.countDown();
            await(forgotten);
            h.createUpdate("""
                            INSERT INTO broker_session_messages (client_id, sequence, qos, packet_id, released,
                                subscription_ids, message_digest, stored_at)
                            VALUES ('b', 1, 1, 0, false, '{}', :digest, now())""")
                    .bind("digest", contents.get(broadcast).digest())
                    .execute();
        }));
        await(stored);

        // ...while this node acknowledges the last reference it can see: the locked row is skipped, at once.
        acknowledgeAndForget(new SessionWrite.Message("a", 1));
        forgotten.countDown();
        otherNode.get(30, TimeUnit.SECONDS);

        assertThat(storedCount()).isEqualTo(1);
        SharedMessages shared = new SharedMessages();
        Map<String, List<PendingMessage>> read = db.jdbi().inTransaction(h -> SessionMessageReads.byClient(h,
                List.of("b"), shared));
        assertThat(new String(read.get("b").get(0).message().payload())).isEqualTo("reboot");
    }

    @Test
    void aDeletionCommittedFirstIsFollowedByTheWriterStoringTheMessageAgain() {
        PublishedMessage broadcast = message("reboot");
        db.jdbi().useTransaction(h -> queueForAll(h, broadcast, "a", "b"));
        acknowledgeAndForget(new SessionWrite.Message("a", 1), new SessionWrite.Message("b", 1));
        assertThat(storedCount()).isZero();

        db.jdbi().useTransaction(h -> queueForAll(h, broadcast, "c", "d"));

        assertThat(storedCount()).isEqualTo(1);
        assertThat(contents()).containsExactly("c:stored", "d:stored");
    }

    @Test
    void twoTransactionsDeletingTheLastTwoReferencesAtOnceLeaveNoStoredMessage() throws Exception {
        PublishedMessage broadcast = message("reboot");
        db.jdbi().useTransaction(h -> queueForAll(h, broadcast, "a", "b"));
        CountDownLatch bDeleted = new CountDownLatch(1);
        CountDownLatch aForgotten = new CountDownLatch(1);
        // Node B deletes its reference and commits only after node A has committed and forgotten...
        CompletableFuture<List<byte[]>> nodeB = CompletableFuture.supplyAsync(() -> db.jdbi().inTransaction(h -> {
            List<byte[]> released = SessionMessageRows.acknowledge(h, List.of(new SessionWrite.Message("b", 1)));
            bDeleted.countDown();
            await(aForgotten);
            return released;
        }));
        await(bDeleted);
        acknowledgeAndForget(new SessionWrite.Message("a", 1));
        // ...A still saw B's reference (its deletion was not committed) and left the message.
        assertThat(storedCount()).isEqualTo(1);
        aForgotten.countDown();

        StoredMessageRows.forgetUnreferenced(db.jdbi(), nodeB.get(30, TimeUnit.SECONDS));

        assertThat(storedCount()).as("B, forgetting after its commit, sees neither reference").isZero();
    }

    @Test
    void orphansOlderThanTheGivenAgeAreDeletedAndReferencedOnesKept() {
        db.jdbi().useTransaction(h -> queueForAll(h, message("kept"), "a", "b"));
        db.jdbi().useHandle(h -> h.execute("""
                INSERT INTO broker_stored_messages (digest, message, stored_at)
                VALUES (sha256('old'), '{}', now() - interval '1 hour'), (sha256('new'), '{}', now())"""));
        db.jdbi().useHandle(h -> h.execute("UPDATE broker_stored_messages SET stored_at = now() - interval '2 hours'"
                + " WHERE digest <> sha256('new')"));

        int deleted = StoredMessageRows.forgetOrphans(db.jdbi(), Duration.ofMinutes(10), 100);

        assertThat(deleted).isEqualTo(1);
        assertThat(storedCount()).isEqualTo(2);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
