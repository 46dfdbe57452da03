package io.mqttbridge.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.InDoubtQos2;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredOnlyMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredSubscription;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.broker.spi.WriteSpan;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JdbiSessionStoreTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private final List<JdbiSessionStore> stores = new ArrayList<>();

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE broker_session_state, broker_session_messages, broker_session_inbound_qos2, "
                + "broker_recovery_messages, broker_stored_messages"));
    }

    @AfterEach
    void closeStores() {
        stores.forEach(JdbiSessionStore::close);
    }

    private JdbiSessionStore store(String nodeId) {
        JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), nodeId);
        stores.add(store);
        return store;
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    static byte[] everyByte() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    static SessionSnapshot fullSnapshot(String clientId) {
        Instant received = Instant.parse("2026-11-26T10:15:30.123456789Z");
        MessageProperties properties = new MessageProperties(1, 3600L, "application/json", "replies/" + clientId,
                new byte[] {0, -1, 42, 0}, List.of(new UserProperty("k", "v1"), new UserProperty("k", "v2"),
                        new UserProperty("ü", "")));
        PublishedMessage mqtt5 = new PublishedMessage("sensors/a/temp", everyByte(), 2, true, "publisher-1", "alice",
                MqttVersion.MQTT_5, received, properties);
        PublishedMessage injected = new PublishedMessage("downlink/" + clientId, new byte[0], 1, false, null, null,
                null, received.plusSeconds(1), MessageProperties.NONE);
        PublishedMessage mqtt311 = new PublishedMessage("$SYS/x", "text".getBytes(), 0, false, "old", null,
                MqttVersion.MQTT_3_1_1, received.plusSeconds(2), MessageProperties.NONE);
        return new SessionSnapshot(clientId, ConnectionInfo.SESSION_NEVER_EXPIRES,
                Instant.parse("2026-11-26T10:20:00.654321Z"),
                List.of(new StoredSubscription("sensors/+/temp", 2, true, true, 2, 7),
                        new StoredSubscription("$share/group/jobs/#", 1, false, false, 0, null),
                        new StoredSubscription("#", 0, false, true, 1, 268_435_455)),
                List.of(new PendingMessage(mqtt5, 2, 17, true, List.of(7, 9)),
                        new PendingMessage(injected, 1, 0, false, List.of()),
                        new PendingMessage(mqtt311, 0, 0, false, null)),
                "device-7");
    }

    private static SessionSnapshot simple(String clientId, int marker) {
        return new SessionSnapshot(clientId, marker, null,
                List.of(new StoredSubscription("t/" + marker, 1, false, false, 0, null)), List.of());
    }

    @Test
    void snapshotWithEveryFieldLoadsBackEqual() throws Exception {
        SessionSnapshot saved = fullSnapshot("c1");
        await(store("node-a").save(saved));

        Collection<SessionSnapshot> loaded = await(store("node-a").loadAll());

        assertThat(loaded).hasSize(1);
        assertThat(loaded.iterator().next()).usingRecursiveComparison().isEqualTo(saved.withNumberedPending());
        assertThat(loaded.iterator().next().pending()).extracting(PendingMessage::sequence).containsExactly(1L, 2L, 3L);
    }

    @Test
    void theOwnerOfAStoredSessionIsReadWithoutItsMessagesAndSeesASaveIssuedBefore() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(new SessionSnapshot("owned", 60, null, List.of(), List.of(), "device-7"));
        store.save(new SessionSnapshot("anonymous", 60, null, List.of(), List.of()));

        assertThat(await(store.ownerOf("owned"))).contains("device-7");
        assertThat(await(store("node-b").ownerOf("owned"))).contains("device-7");
        assertThat(await(store.ownerOf("anonymous"))).isEmpty();
        assertThat(await(store.ownerOf("never-stored"))).isEmpty();
    }

    @Test
    void onlineSessionWithoutDisconnectTimeAndNothingPendingLoadsBack() throws Exception {
        SessionSnapshot saved = new SessionSnapshot("c2", 60, null, List.of(), List.of());
        await(store("node-a").save(saved));

        assertThat(await(store("node-a").loadAll())).singleElement().usingRecursiveComparison().isEqualTo(saved);
    }

    @Test
    void removeIssuedAfterSaveWithoutWaitingLeavesNoSession() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(fullSnapshot("c1"));
        CompletableFuture<Void> removed = store.remove("c1");
        await(removed);

        assertThat(await(store("node-a").loadAll())).isEmpty();
    }

    @Test
    void interleavedSavesAndRemovesOfManyClientsEndInTheLastCallOfEach() throws Exception {
        JdbiSessionStore store = store("node-a");
        Random random = new Random(42);
        Map<String, Integer> expected = new HashMap<>();
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String clientId = "c" + random.nextInt(50);
            if (random.nextInt(3) == 0) {
                calls.add(store.remove(clientId));
                expected.remove(clientId);
            } else {
                calls.add(store.save(simple(clientId, i)));
                expected.put(clientId, i);
            }
        }
        await(CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)));

        Map<String, Long> loaded = new HashMap<>();
        for (SessionSnapshot snapshot : await(store("node-a").loadAll())) {
            loaded.put(snapshot.clientId(), snapshot.sessionExpirySeconds());
        }
        Map<String, Long> expectedMarkers = new HashMap<>();
        expected.forEach((client, marker) -> expectedMarkers.put(client, marker.longValue()));
        assertThat(loaded).isEqualTo(expectedMarkers);
    }

    @Test
    void loadAllSeesEverySaveIssuedBeforeIt() throws Exception {
        JdbiSessionStore store = store("node-a");
        for (int i = 0; i < 200; i++) {
            store.save(simple("c" + i, i));
        }

        assertThat(await(store.loadAll())).hasSize(200);
    }

    @Test
    void closeAppliesTheWritesStillQueued() throws Exception {
        JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), "node-a");
        for (int i = 0; i < 500; i++) {
            store.save(simple("c" + i, i));
        }
        store.close();

        assertThat(await(store("node-a").loadAll())).hasSize(500);
        assertThat(store.save(simple("late", 1))).isCompletedExceptionally();
    }

    @Test
    void loadAllLoadsOnlyTheSessionsThisNodeSavedLast() throws Exception {
        await(store("node-a").save(simple("a-only", 1)));
        await(store("node-a").save(simple("moved", 2)));
        await(store("node-b").save(simple("moved", 3)));
        await(store("node-b").save(simple("b-only", 4)));

        assertThat(await(store("node-a").loadAll())).extracting(SessionSnapshot::clientId).containsExactly("a-only");
        assertThat(await(store("node-b").loadAll())).extracting(SessionSnapshot::clientId)
                .containsExactly("b-only", "moved");
        List<String> owner = db.jdbi().withHandle(h -> h.createQuery(
                "SELECT node_id FROM broker_session_state WHERE client_id = 'moved'").mapTo(String.class).list());
        assertThat(owner).containsExactly("node-b");
    }

    @Test
    void anyNodeRemovesASessionWhicheverNodeOwnsIt() throws Exception {
        await(store("node-a").save(fullSnapshot("shared-id")));
        await(store("node-a").save(simple("kept", 1)));
        await(store("node-a").append("kept", message("kept", 1)));

        await(store("node-b").remove("shared-id"));

        assertThat(await(store("node-a").loadAll())).singleElement().satisfies(s -> {
            assertThat(s.clientId()).isEqualTo("kept");
            assertThat(s.pending()).hasSize(1);
        });
        assertThat(await(store("node-b").load("shared-id"))).isEmpty();
        assertThat(countMessages("shared-id")).isZero();
    }

    @Test
    void loadAllReadsEverySessionOnceAcrossPages() throws Exception {
        JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), "node-a", 2);
        stores.add(store);
        for (String id : List.of("e", "a", "d", "c", "b")) {
            store.save(simple(id, 1));
            store.append(id, message(id, 1));
            store.append(id, message(id, 2));
        }
        await(store("node-b").save(simple("bb", 1)));

        Collection<SessionSnapshot> loaded = await(store.loadAll());

        assertThat(loaded).extracting(SessionSnapshot::clientId).containsExactly("a", "b", "c", "d", "e");
        assertThat(loaded).allSatisfy(s -> assertThat(s.pending()).extracting(PendingMessage::sequence)
                .containsExactly(1L, 2L));
    }

    @Test
    void aMessageQueuedForManySessionsLoadsAsOneObjectAcrossPagesAndDifferentOnesStayApart() throws Exception {
        JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), "node-a", 2);
        stores.add(store);
        PublishedMessage broadcast = fullSnapshot("x").pending().get(0).message();
        PublishedMessage otherPayload = new PublishedMessage(broadcast.topic(), broadcast.payload().clone(),
                broadcast.qos(), broadcast.retain(), broadcast.clientId(), broadcast.username(),
                broadcast.protocolVersion(), broadcast.receivedAt(), broadcast.properties());
        otherPayload.payload()[0] = 1;
        List<String> ids = List.of("a", "b", "c", "d", "e");
        for (String id : ids) {
            await(store.save(simple(id, 1)));
        }
        // The broadcast's appends are committed together: it is stored once, the rows refer to it.
        try (WriteSpan together = store.openSpan()) {
            for (String id : ids) {
                store.append(id, new PendingMessage(broadcast, 2, 0, false, List.of(), 1, null));
            }
        }
        // The other message is appended one session at a time: a copy in each session's row.
        for (String id : ids) {
            await(store.append(id, new PendingMessage(otherPayload, 1, 0, false, List.of(), 2, null)));
        }
        int referring = db.jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM broker_session_messages WHERE message IS NULL").mapTo(Integer.class).one());
        assertThat(referring).as("rows referring to the stored broadcast").isEqualTo(5);

        List<SessionSnapshot> loaded = List.copyOf(await(store.loadAll()));

        assertThat(loaded).hasSize(5);
        PublishedMessage first = loaded.get(0).pending().get(0).message();
        PublishedMessage second = loaded.get(0).pending().get(1).message();
        assertThat(first).usingRecursiveComparison().isEqualTo(broadcast);
        assertThat(second).isNotSameAs(first);
        assertThat(second.payload()).isEqualTo(otherPayload.payload());
        assertThat(loaded).allSatisfy(s -> {
            assertThat(s.pending().get(0).message()).isSameAs(first);
            assertThat(s.pending().get(1).message()).isSameAs(second);
        });
    }

    @Test
    void twoNodesQueuingAndAcknowledgingTheSameBroadcastsAtOnceLoseNothingAndLeaveNothing() throws Exception {
        // Each round both nodes queue an equal message (one stored row) for their sessions, each also
        // saves one session's snapshot holding it (another run of its batch), and both acknowledge the
        // round before: the writes race on the stored rows from two transactions at a time.
        JdbiSessionStore a = store("node-a");
        JdbiSessionStore b = store("node-b");
        int sessions = 20;
        int rounds = 60;
        for (int i = 0; i < sessions; i++) {
            await(a.save(simple("a-" + i, 1)));
            await(b.save(simple("b-" + i, 1)));
        }
        ExecutorService nodes = Executors.newFixedThreadPool(2);
        try {
            for (int round = 1; round <= rounds; round++) {
                int r = round;
                CompletableFuture<Void> onA = CompletableFuture.supplyAsync(() -> broadcastRound(a, "a-", sessions, r), nodes)
                        .thenCompose(f -> f);
                CompletableFuture<Void> onB = CompletableFuture.supplyAsync(() -> broadcastRound(b, "b-", sessions, r), nodes)
                        .thenCompose(f -> f);
                CompletableFuture.allOf(onA, onB).get(60, TimeUnit.SECONDS);
                assertThat(await(b.load("b-" + (r % sessions))).orElseThrow().pending())
                        .extracting(m -> m.message().topic()).containsExactly("fleet/all/" + r);
            }
        } finally {
            nodes.shutdownNow();
        }
        List<CompletableFuture<Void>> acknowledged = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            acknowledged.add(a.acknowledge("a-" + i, rounds));
            acknowledged.add(b.acknowledge("b-" + i, rounds));
        }
        CompletableFuture.allOf(acknowledged.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

        long left = db.jdbi().withHandle(h -> h.createQuery("""
                SELECT (SELECT count(*) FROM broker_session_messages) + (SELECT count(*) FROM broker_stored_messages)""")
                .mapTo(Long.class).one());
        assertThat(left).as("rows and stored messages left: " + db.jdbi().withHandle(h -> h.createQuery("""
                SELECT string_agg(x, '; ') FROM (
                    SELECT client_id || ':' || sequence AS x FROM broker_session_messages
                    UNION ALL SELECT (message ->> 'topic') || ' ' || stored_at FROM broker_stored_messages) q""")
                .mapTo(String.class).one())).isZero();
    }

    /** Queues round {@code round}'s broadcast for every session of {@code store}, saves one, acknowledges the last round's. */
    private static CompletableFuture<Void> broadcastRound(JdbiSessionStore store, String prefix, int sessions, int round) {
        PublishedMessage broadcast = new PublishedMessage("fleet/all/" + round, new byte[2048], 1, false, "operator",
                null, MqttVersion.MQTT_3_1_1, Instant.parse("2026-12-07T01:00:00Z").plusSeconds(round),
                MessageProperties.NONE);
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        try (WriteSpan together = store.openSpan()) {
            for (int i = 0; i < sessions; i++) {
                String client = prefix + i;
                if (round > 1) {
                    writes.add(store.acknowledge(client, round - 1));
                }
                PendingMessage pending = new PendingMessage(broadcast, 1, 0, false, List.of(), round);
                if (i == round % sessions) {
                    writes.add(store.save(simple(client, 1).withPending(List.of(pending))));
                } else {
                    writes.add(store.append(client, pending));
                }
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    @Test
    void loadAllHandsTheSessionsOverAPageAtATimeInClientIdOrder() throws Exception {
        JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), "node-a", 2);
        stores.add(store);
        for (String id : List.of("e", "a", "d", "c", "b")) {
            store.save(simple(id, 1));
        }
        List<List<String>> pages = new ArrayList<>();

        await(store.loadAll(page -> pages.add(page.stream().map(SessionSnapshot::clientId).toList())));

        assertThat(pages).containsExactly(List.of("a", "b"), List.of("c", "d"), List.of("e"));
    }

    @Test
    void aFailingPageFailsTheLoadAndNoLaterPageIsRead() {
        JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), "node-a", 1);
        stores.add(store);
        store.save(simple("a", 1));
        store.save(simple("b", 1));
        List<String> seen = new ArrayList<>();

        CompletableFuture<Void> loaded = store.loadAll(page -> {
            seen.add(page.get(0).clientId());
            throw new IllegalStateException("restore failed");
        });

        assertThatThrownBy(() -> await(loaded)).hasRootCauseMessage("restore failed");
        assertThat(seen).containsExactly("a");
    }

    @ParameterizedTest(name = "{0} sessions a page")
    @ValueSource(ints = {1, 10})
    void aMessageSomeSessionsHoldInTheirOwnRowsAndOthersInAStoredOneLoadsAsOneObject(int pageSize) throws Exception {
        JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), "node-a", pageSize);
        stores.add(store);
        PublishedMessage broadcast = fullSnapshot("x").pending().get(0).message();
        for (String id : List.of("a", "b", "c", "d")) {
            await(store.save(simple(id, 1)));
        }
        // Written for "a" alone: its row holds the message. Written for "b" and "c" in one commit: one
        // stored message they both refer to. Then "d" alone again, read after the stored one.
        await(store.append("a", new PendingMessage(broadcast, 1, 0, false, List.of(), 1, null)));
        CompletableFuture<Void> b;
        CompletableFuture<Void> c;
        try (WriteSpan span = store.openSpan()) {
            b = store.append("b", new PendingMessage(broadcast, 1, 0, false, List.of(), 1, null));
            c = store.append("c", new PendingMessage(broadcast, 1, 0, false, List.of(), 1, null));
        }
        await(CompletableFuture.allOf(b, c));
        await(store.append("d", new PendingMessage(broadcast, 1, 0, false, List.of(), 1, null)));
        int storedMessages = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM broker_stored_messages")
                .mapTo(Integer.class).one());
        assertThat(storedMessages).as("b and c share a stored message").isEqualTo(1);

        List<SessionSnapshot> loaded = List.copyOf(await(store.loadAll()));

        assertThat(loaded).hasSize(4);
        PublishedMessage first = loaded.get(0).pending().get(0).message();
        assertThat(first).usingRecursiveComparison().isEqualTo(broadcast);
        assertThat(loaded).allSatisfy(s -> assertThat(s.pending().get(0).message()).isSameAs(first));
    }

    @Test
    void loadAllOfExactlyOneFullPageEnds() throws Exception {
        JdbiSessionStore store = new JdbiSessionStore(db.jdbi(), "node-a", 2);
        stores.add(store);
        store.save(simple("x", 1));
        store.save(simple("y", 1));

        assertThat(await(store.loadAll())).extracting(SessionSnapshot::clientId).containsExactly("x", "y");
    }

    @Test
    void loadReturnsTheLatestStateOfThatClientFromAnyNode() throws Exception {
        await(store("node-a").save(simple("c1", 1)));
        await(store("node-a").save(simple("c2", 2)));
        await(store("node-a").append("c1", message("c1", 7)));
        await(store("node-a").append("c2", message("c2", 8)));

        Optional<SessionSnapshot> loaded = await(store("node-b").load("c1"));

        assertThat(loaded).get().satisfies(s -> {
            assertThat(s.clientId()).isEqualTo("c1");
            assertThat(s.sessionExpirySeconds()).isEqualTo(1L);
            assertThat(s.pending()).extracting(PendingMessage::sequence).containsExactly(7L);
            assertThat(s.pending().get(0).message().topic()).isEqualTo("to/c1/7");
        });
        assertThat(await(store("node-b").load("unknown"))).isEmpty();
    }

    @Test
    void loadSeesWritesIssuedBeforeIt() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("c1", 1));
        for (int i = 1; i <= 100; i++) {
            store.append("c1", message("c1", i));
        }

        assertThat(await(store.load("c1"))).get().extracting(s -> s.pending().size()).isEqualTo(100);
    }

    @Test
    void appendedMessagesLoadInSequenceOrderWithEveryField() throws Exception {
        JdbiSessionStore store = store("node-a");
        await(store.save(simple("c1", 1)));
        PendingMessage full = fullSnapshot("c1").pending().get(0);
        PendingMessage first = new PendingMessage(full.message(), full.qos(), full.packetId(), full.released(),
                full.subscriptionIdentifiers(), 5);
        store.append("c1", message("c1", 9));
        await(store.append("c1", first));

        assertThat(await(store.load("c1"))).get().satisfies(s -> {
            assertThat(s.pending()).extracting(PendingMessage::sequence).containsExactly(5L, 9L);
            assertThat(s.pending().get(0)).usingRecursiveComparison().isEqualTo(first);
        });
    }

    @Test
    void appendingASequenceAgainReplacesTheMessage() throws Exception {
        JdbiSessionStore store = store("node-a");
        await(store.save(simple("c1", 1)));
        PendingMessage queued = message("c1", 3);
        store.append("c1", queued);
        await(store.append("c1", new PendingMessage(queued.message(), 2, 42, true, List.of(), 3)));

        assertThat(await(store.load("c1"))).get().satisfies(s -> assertThat(s.pending()).singleElement()
                .satisfies(m -> {
                    assertThat(m.packetId()).isEqualTo(42);
                    assertThat(m.released()).isTrue();
                }));
    }

    @Test
    void acknowledgeRemovesOnlyThatMessageOfThatClient() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("c1", 1));
        store.save(simple("c2", 1));
        for (int i = 1; i <= 3; i++) {
            store.append("c1", message("c1", i));
            store.append("c2", message("c2", i));
        }
        await(store.acknowledge("c1", 2));

        assertThat(await(store.load("c1"))).get().satisfies(s -> assertThat(s.pending())
                .extracting(PendingMessage::sequence).containsExactly(1L, 3L));
        assertThat(await(store.load("c2"))).get().satisfies(s -> assertThat(s.pending())
                .extracting(PendingMessage::sequence).containsExactly(1L, 2L, 3L));
    }

    @Test
    void inboundQos2PacketIdsLoadWithTheirSessionSurviveASaveAndLeaveAtReleaseOrRemove() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("c1", 1));
        store.save(simple("c2", 1));
        store.receivedQos2("c1", 7);
        store.receivedQos2("c1", 65535);
        store.receivedQos2("c1", 9);
        store.receivedQos2("c2", 7);
        store.releasedQos2("c1", 9);
        // A snapshot (reconnect, subscription change) does not carry them: they stay as written through.
        await(store.save(simple("c1", 2)));

        assertThat(await(store.load("c1"))).get().satisfies(s -> assertThat(s.inboundQos2()).containsExactly(7, 65535));
        assertThat(await(store("node-a").loadAll())).filteredOn(s -> s.clientId().equals("c2"))
                .singleElement().satisfies(s -> assertThat(s.inboundQos2()).containsExactly(7));

        store.releasedQos2("c1", 7);
        await(store.remove("c2"));
        assertThat(await(store.load("c1"))).get().satisfies(s -> assertThat(s.inboundQos2()).containsExactly(65535));
        await(store.save(simple("c2", 1)));
        assertThat(await(store.load("c2"))).get().satisfies(s -> assertThat(s.inboundQos2()).isEmpty());
    }

    @Test
    void inboundQos2InDoubtLoadsWithItsReceiveTimeUntilItIsReceivedReleasedOrRemoved() throws Exception {
        JdbiSessionStore store = store("node-a");
        Instant receivedAt = Instant.parse("2026-12-05T07:00:00.123456Z");
        store.save(simple("c1", 1));
        store.save(simple("c2", 1));
        store.sendingQos2("c1", 4, receivedAt);
        store.sendingQos2("c1", 5, receivedAt.plusMillis(1));
        store.sendingQos2("c1", 6, receivedAt.plusMillis(2));
        store.sendingQos2("c2", 4, receivedAt);
        await(store.receivedQos2("c1", 5));
        // Its own batch: the answered row must turn from in doubt to answered, not only be inserted.
        await(store.sendingQos2("c1", 7, receivedAt));
        await(store.receivedQos2("c1", 7));
        store.releasedQos2("c1", 6);
        await(store.save(simple("c1", 2)));

        assertThat(await(store.load("c1"))).get().satisfies(s -> {
            assertThat(s.inboundQos2InDoubt()).containsExactly(new InDoubtQos2(4, receivedAt));
            assertThat(s.inboundQos2()).containsExactly(5, 7);
        });
        assertThat(await(store("node-a").loadAll())).filteredOn(s -> s.clientId().equals("c2"))
                .singleElement().satisfies(s -> assertThat(s.inboundQos2InDoubt())
                        .containsExactly(new InDoubtQos2(4, receivedAt)));
        await(store.remove("c2"));
        await(store.save(simple("c2", 1)));
        assertThat(await(store.load("c2"))).get().satisfies(s -> assertThat(s.inboundQos2InDoubt()).isEmpty());
    }

    @Test
    void receivingAPacketIdAgainAfterItsReleaseInOneBatchKeepsIt() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("c1", 1));
        for (int i = 0; i < 100; i++) {
            store.receivedQos2("c1", 5);
            store.releasedQos2("c1", 5);
        }
        store.receivedQos2("c1", 5);

        assertThat(await(store.load("c1"))).get().satisfies(s -> assertThat(s.inboundQos2()).containsExactly(5));
    }

    @Test
    void appendThenAcknowledgeInOneBatchLeavesNothing() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("c1", 1));
        for (int i = 1; i <= 300; i++) {
            store.append("c1", message("c1", i));
            store.acknowledge("c1", i);
        }
        store.append("c1", message("c1", 301));

        assertThat(await(store.load("c1"))).get().satisfies(s -> assertThat(s.pending())
                .extracting(PendingMessage::sequence).containsExactly(301L));
    }

    @Test
    void saveReplacesTheClientsMessagesWithTheSnapshotsAndLeavesOtherClientsAlone() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("c1", 1));
        store.save(simple("c2", 1));
        for (int i = 1; i <= 3; i++) {
            store.append("c1", message("c1", i));
            store.append("c2", message("c2", i));
        }
        PendingMessage released = new PendingMessage(message("c1", 2).message(), 2, 11, true, List.of(), 2);
        await(store.save(simple("c1", 5).withPending(List.of(released, message("c1", 4)))));

        assertThat(await(store.load("c1"))).get().satisfies(s -> {
            assertThat(s.pending()).extracting(PendingMessage::sequence).containsExactly(2L, 4L);
            assertThat(s.pending().get(0).released()).isTrue();
        });
        assertThat(await(store.load("c2"))).get().satisfies(s -> assertThat(s.pending()).hasSize(3));
    }

    @Test
    void saveWithoutMessagesDeletesAllOfTheClients() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("c1", 1));
        store.append("c1", message("c1", 1));
        await(store.save(simple("c1", 2)));

        assertThat(countMessages("c1")).isZero();
    }

    @Test
    void loadMessagesReturnsExactlyTheRangeInSequenceOrderWithStoredOnceMessagesAndSeesAnAppendIssuedJustBefore()
            throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("c1", 1));
        store.save(simple("c2", 1));
        PublishedMessage broadcast = fullSnapshot("x").pending().get(0).message();
        PendingMessage broadcastForC1 = new PendingMessage(broadcast, 2, 0, false, List.of(7), 3, null);
        // Appended out of sequence order: the range comes back in sequence order all the same.
        for (long sequence : List.of(6L, 1L, 4L, 8L, 2L)) {
            store.append("c1", message("c1", sequence));
        }
        for (long sequence = 1; sequence <= 8; sequence++) {
            store.append("c2", message("c2", sequence));
        }
        // Committed together: the broadcast is stored once, both rows refer to it.
        try (WriteSpan together = store.openSpan()) {
            store.append("c1", broadcastForC1);
            store.append("c2", new PendingMessage(broadcast, 1, 0, false, List.of(), 9, null));
        }
        store.append("c1", message("c1", 5));
        for (int i = 10; i < 300; i++) {
            store.append("c2", message("c2", i));
        }
        store.append("c1", message("c1", 7)); // not waited for: the read must come after it

        List<PendingMessage> range = await(store.loadMessages("c1", 2, 7));

        assertThat(range).extracting(PendingMessage::sequence).containsExactly(2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(range).extracting(m -> m.message().topic())
                .containsExactly("to/c1/2", broadcast.topic(), "to/c1/4", "to/c1/5", "to/c1/6", "to/c1/7");
        assertThat(range.get(1)).usingRecursiveComparison().isEqualTo(broadcastForC1);
        assertThat(range.get(5)).usingRecursiveComparison().isEqualTo(message("c1", 7));
        int referring = db.jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM broker_session_messages WHERE message IS NULL").mapTo(Integer.class).one());
        assertThat(referring).as("rows referring to the broadcast stored once").isEqualTo(2);
        assertThat(await(store("node-b").loadMessages("c2", 9, 9))).singleElement().satisfies(m -> {
            assertThat(m.sequence()).isEqualTo(9L);
            assertThat(m.message()).usingRecursiveComparison().isEqualTo(broadcast);
        });
        assertThat(await(store.loadMessages("c1", 8, 8))).extracting(PendingMessage::sequence).containsExactly(8L);
        assertThat(await(store.loadMessages("c2", 1, 1_000))).hasSize(299);
        assertThat(await(store.loadMessages("c1", 9, 1_000))).isEmpty();
        assertThat(await(store.loadMessages("unknown", 1, 1_000))).isEmpty();
    }

    @Test
    void aSaveKeepsTheMessagesTheSessionHoldsInTheStoreAloneAndDeletesTheOthersNotInItsSnapshot() throws Exception {
        JdbiSessionStore store = store("node-a");
        for (String id : List.of("c1", "c2", "c3")) {
            store.save(simple(id, 1));
        }
        PublishedMessage early = fullSnapshot("x").pending().get(0).message();
        PublishedMessage late = new PublishedMessage("fleet/late", "late".getBytes(), 1, false, "operator", null,
                MqttVersion.MQTT_3_1_1, Instant.parse("2026-12-07T01:00:00Z"), MessageProperties.NONE);
        // Stored once, referred to by c1's and c2's rows: one below c1's bound, one from it on.
        try (WriteSpan together = store.openSpan()) {
            for (String id : List.of("c1", "c2")) {
                store.append(id, new PendingMessage(early, 1, 0, false, List.of(), 3));
                store.append(id, new PendingMessage(late, 1, 0, false, List.of(), 5));
            }
        }
        for (long sequence : List.of(1L, 2L, 4L, 6L)) {
            store.append("c1", message("c1", sequence));
            store.append("c2", message("c2", sequence));
        }
        for (long sequence = 1; sequence <= 4; sequence++) {
            store.append("c3", message("c3", sequence));
        }
        PendingMessage sent = new PendingMessage(message("c1", 2).message(), 1, 11, false, List.of(), 2);

        // One burst: each snapshot's bound is its own client's.
        store.save(simple("c1", 2).withPending(List.of(sent)).withStoredOnlyFrom(4));
        store.save(simple("c2", 2).withPending(List.of(message("c2", 2))));
        await(store.save(simple("c3", 2).withStoredOnlyFrom(2)));

        assertThat(await(store.load("c1"))).get().satisfies(s -> {
            assertThat(s.pending()).extracting(PendingMessage::sequence)
                    .as("1 and 3 were not in the snapshot and below its bound; 4, 5 and 6 are held in the store alone")
                    .containsExactly(2L, 4L, 5L, 6L);
            assertThat(s.pending().get(0).packetId()).isEqualTo(11);
            assertThat(s.pending().get(1)).usingRecursiveComparison().isEqualTo(message("c1", 4));
            assertThat(s.pending().get(2).message()).usingRecursiveComparison().isEqualTo(late);
            assertThat(s.pending().get(3)).usingRecursiveComparison().isEqualTo(message("c1", 6));
            assertThat(s.storedOnlyFrom()).isZero();
        });
        assertThat(await(store.load("c2"))).get().satisfies(s -> assertThat(s.pending())
                .as("storedOnlyFrom 0: every message not in the snapshot goes").extracting(PendingMessage::sequence)
                .containsExactly(2L));
        assertThat(await(store.load("c3"))).get().satisfies(s -> assertThat(s.pending())
                .extracting(PendingMessage::sequence).containsExactly(2L, 3L, 4L));

        // Once the session holds nothing in the store alone, its next snapshot is all there is again.
        await(store.save(simple("c1", 3).withPending(List.of(new PendingMessage(late, 1, 12, false, List.of(), 5)))));

        assertThat(await(store.load("c1"))).get().satisfies(s -> {
            assertThat(s.pending()).extracting(PendingMessage::sequence).containsExactly(5L);
            assertThat(s.pending().get(0).message()).usingRecursiveComparison().isEqualTo(late);
        });
        assertThat(countMessages("c1")).isEqualTo(1);
    }

    @Test
    void appendWithoutSequenceIsRefused() {
        assertThat(store("node-a").append("c1", new PendingMessage(message("c1", 1).message(), 1, 0, false, List.of())))
                .isCompletedExceptionally();
    }

    @Test
    void aLoadWithABudgetReadsQueuedMessagesWhileItLastsAndListsTheRestWithTheirSizeAfterThem() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("b1", 1));
        store.save(simple("b2", 1));
        store.append("b1", sized("b1", 1, 0));
        store.append("b1", sized("b1", 2, 9)); // sent, not acknowledged: always read
        store.append("b1", sized("b1", 3, 0));
        store.append("b1", sized("b1", 4, 0));
        PublishedMessage broadcast = sized("all", 100, 0).message();
        try (WriteSpan together = store.openSpan()) { // stored once
            store.append("b1", new PendingMessage(broadcast, 1, 0, false, List.of(), 5));
            store.append("b2", new PendingMessage(broadcast, 1, 0, false, List.of(), 2));
        }
        PendingMessage ofAGroup = sized("b2", 1, 0);
        store.append("b2", new PendingMessage(ofAGroup.message(), 1, 0, false, List.of(), 1, "$share/g/t"));
        store.append("b2", sized("b2", 3, 0));
        await(store.append("b2", sized("b2", 4, 0)));

        Map<String, SessionSnapshot> tight = loadAll(store, 2_500);
        assertThat(tight.get("b1").pending()).extracting(PendingMessage::sequence).containsExactly(1L, 2L, 3L);
        assertThat(tight.get("b1").storedOnly()).extracting(StoredOnlyMessage::sequence).as("the rest, after them")
                .containsExactly(4L, 5L);
        assertThat(tight.get("b1").storedOnly()).allSatisfy(m -> assertThat(m.bytes()).as("payload and topic")
                .isBetween(1_000, 1_020));
        assertThat(tight.get("b2").pending()).extracting(PendingMessage::sequence).as("a shared-group message is read")
                .containsExactly(1L);
        assertThat(tight.get("b2").storedOnly()).extracting(StoredOnlyMessage::sequence).as("once one is left, all are")
                .containsExactly(2L, 3L, 4L);

        Map<String, SessionSnapshot> wider = loadAll(store, 5_000);
        assertThat(wider.get("b1").pending()).extracting(PendingMessage::sequence).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(wider.get("b2").pending()).extracting(PendingMessage::sequence).as("the broadcast counted once")
                .containsExactly(1L, 2L);
        assertThat(wider.get("b2").storedOnly()).extracting(StoredOnlyMessage::sequence).containsExactly(3L, 4L);

        Map<String, SessionSnapshot> all = loadAll(store, Long.MAX_VALUE);
        assertThat(all.get("b1").pending()).hasSize(5);
        assertThat(all.get("b2").pending()).hasSize(4);
        assertThat(all.values()).allSatisfy(snapshot -> assertThat(snapshot.storedOnly()).isEmpty());
        assertThat(all.get("b1").pending().get(4).message()).usingRecursiveComparison().isEqualTo(broadcast);
    }

    @Test
    void aSaveWritesTheDeliveryStateOfMessagesAlreadyStoredWithoutTheirContentAndStoresTheOthersWhole() throws Exception {
        JdbiSessionStore store = store("node-a");
        store.save(simple("w1", 1));
        await(store.append("w1", message("w1", 1)));
        PendingMessage sameSequenceOtherContent = sized("w1", 1, 7);
        PendingMessage sent = new PendingMessage(sameSequenceOtherContent.message(), 2, 7, true, List.of(3, 4), 1,
                "$share/g/t");
        PendingMessage neverAppended = message("w1", 2);

        await(store.save(new SessionSnapshot("w1", 60, null, List.of(), List.of(sent, neverAppended))));

        List<PendingMessage> loaded = await(store.load("w1")).orElseThrow().pending();
        assertThat(loaded).extracting(PendingMessage::sequence).containsExactly(1L, 2L);
        assertThat(loaded.get(0).message()).as("a stored message's content is its own: the save does not encode it again")
                .usingRecursiveComparison().isEqualTo(message("w1", 1).message());
        assertThat(loaded.get(0)).extracting(PendingMessage::qos, PendingMessage::packetId, PendingMessage::released,
                        PendingMessage::subscriptionIdentifiers, PendingMessage::sharedGroup)
                .containsExactly(2, 7, true, List.of(3, 4), "$share/g/t");
        assertThat(loaded.get(1)).as("one without a row is stored whole").usingRecursiveComparison().isEqualTo(neverAppended);
    }

    private static Map<String, SessionSnapshot> loadAll(JdbiSessionStore store, long budget) throws Exception {
        Map<String, SessionSnapshot> loaded = new HashMap<>();
        await(store.loadAll(page -> page.forEach(snapshot -> loaded.put(snapshot.clientId(), snapshot)), budget));
        return loaded;
    }

    /* A message of 1,000 bytes of payload and a topic of about ten characters. */
    private static PendingMessage sized(String clientId, long sequence, int packetId) {
        PublishedMessage published = new PublishedMessage("to/" + clientId + "/" + sequence, new byte[1_000], 1, false,
                "publisher", null, MqttVersion.MQTT_3_1_1, Instant.parse("2026-11-26T10:15:30Z"), MessageProperties.NONE);
        return new PendingMessage(published, 1, packetId, false, List.of(), sequence);
    }

    private int countMessages(String clientId) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM broker_session_messages WHERE client_id = :c")
                .bind("c", clientId).mapTo(Integer.class).one());
    }

    static PendingMessage message(String clientId, long sequence) {
        PublishedMessage published = new PublishedMessage("to/" + clientId + "/" + sequence,
                ("m" + sequence).getBytes(), 1, false, "publisher", null, MqttVersion.MQTT_3_1_1,
                Instant.parse("2026-11-26T10:15:30Z"), MessageProperties.NONE);
        return new PendingMessage(published, 1, 0, false, List.of(), sequence);
    }

    private static PendingMessage shared(String clientId, long sequence, String group, boolean released) {
        PendingMessage plain = message(clientId, sequence);
        return new PendingMessage(plain.message(), 1, released ? 5 : 0, released, List.of(), sequence, group);
    }

    @Test
    void theSharedGroupOfAMessageIsStoredAndADeadOwnersSharedMessagesAreTakenOnce() throws Exception {
        JdbiSessionStore a = store("node-a");
        await(a.save(new SessionSnapshot("member", 300, null,
                List.of(new StoredSubscription("$share/g/jobs", 1, false, false, 0, null)), List.of())));
        await(a.append("member", shared("member", 1, "$share/g/jobs", false)));
        await(a.append("member", message("member", 2)));
        await(a.append("member", shared("member", 3, "$share/g/jobs", true)));
        await(a.append("member", shared("member", 4, "$share/g/jobs", false)));
        await(store("node-c").save(new SessionSnapshot("elsewhere", 300, null, List.of(), List.of())));
        await(a.append("elsewhere", shared("elsewhere", 1, "$share/g/jobs", false)));

        assertThat(await(a.load("member")).orElseThrow().pending()).extracting(PendingMessage::sharedGroup)
                .containsExactly("$share/g/jobs", null, "$share/g/jobs", "$share/g/jobs");
        await(a.append("member", shared("member", 5, "$share/alone/jobs", false)));
        List<SessionStore.ClientMessage> taken = await(store("node-b").takeSharedMessages("node-a",
                Set.of("$share/g/jobs"), "a1"));

        assertThat(taken).extracting(SessionStore.ClientMessage::clientId).containsOnly("member");
        assertThat(taken).extracting(m -> m.message().sequence()).containsExactly(1L, 4L);
        assertThat(taken).extracting(m -> m.message().sharedGroup()).containsOnly("$share/g/jobs");
        await(store("node-b").forgetRecovered("node-a", "a1"));
        assertThat(await(store("node-b").takeSharedMessages("node-a", Set.of("$share/g/jobs"), "a2"))).isEmpty();
        assertThat(await(a.load("member")).orElseThrow().pending()).extracting(PendingMessage::sequence)
                .as("the plain message, the one past PUBREC and the one of a group not asked for stay")
                .containsExactly(2L, 3L, 5L);
        assertThat(await(a.load("elsewhere")).orElseThrow().pending()).hasSize(1);
    }

    @Test
    void takenMessagesMoveOutOfTheSessionAndAreTakenAgainByTheNextRoundUntilForgotten() throws Exception {
        JdbiSessionStore a = store("node-a");
        JdbiSessionStore b = store("node-b");
        JdbiSessionStore c = store("node-c");
        await(a.save(new SessionSnapshot("member", 300, null, List.of(), List.of())));
        await(a.append("member", shared("member", 1, "$share/g/jobs", false)));
        await(a.append("member", shared("member", 2, "$share/g/jobs", false)));
        await(a.save(new SessionSnapshot("other-member", 300, null, List.of(), List.of())));
        await(a.append("other-member", shared("other-member", 1, "$share/g/jobs", false)));

        // Node b wins round a1 of node a's recovery, takes, and dies before handing them over.
        List<SessionStore.ClientMessage> firstRound = await(b.takeSharedMessages("node-a", Set.of("$share/g/jobs"), "a1"));
        assertThat(firstRound).extracting(m -> m.clientId() + "#" + m.message().sequence())
                .containsExactly("member#1", "member#2", "other-member#1");
        assertThat(await(c.load("member")).orElseThrow().pending()).as("moved out of the session").isEmpty();
        assertThat(rowsOf("a1")).isEqualTo(3);

        // Meanwhile the session got another shared message; node c takes in the next round.
        await(a.append("member", shared("member", 3, "$share/g/jobs", false)));
        List<SessionStore.ClientMessage> secondRound = await(c.takeSharedMessages("node-a", Set.of("$share/g/jobs"),
                "a1/b1"));
        assertThat(secondRound).extracting(m -> m.clientId() + "#" + m.message().sequence())
                .containsExactly("member#1", "member#2", "member#3", "other-member#1");
        assertThat(secondRound).usingRecursiveFieldByFieldElementComparator()
                .containsAll(firstRound);
        assertThat(rowsOf("a1")).as("re-tagged").isZero();
        assertThat(rowsOf("a1/b1")).isEqualTo(4);

        // Another dead node's round is left alone by forgetting this one.
        await(store("node-d").save(new SessionSnapshot("far-member", 300, null, List.of(), List.of())));
        await(a.append("far-member", shared("far-member", 1, "$share/g/jobs", false)));
        assertThat(await(c.takeSharedMessages("node-d", Set.of("$share/g/jobs"), "d1"))).hasSize(1);
        await(c.forgetRecovered("node-a", "a1/b1"));
        assertThat(rowsOf("a1/b1")).isZero();
        assertThat(rowsOf("d1")).isEqualTo(1);
        assertThat(await(c.takeSharedMessages("node-a", Set.of("$share/g/jobs"), "a2"))).isEmpty();
        assertThat(await(c.loadAll())).isEmpty();
        assertThat(await(a.load("member")).orElseThrow().pending()).isEmpty();
    }

    @Test
    void forgettingARoundLeavesTheRowsAnotherRoundOfTheSameNodeHolds() throws Exception {
        JdbiSessionStore a = store("node-a");
        JdbiSessionStore b = store("node-b");
        await(a.save(new SessionSnapshot("member", 300, null, List.of(), List.of())));
        await(a.append("member", shared("member", 1, "$share/g/jobs", false)));
        assertThat(await(b.takeSharedMessages("node-a", Set.of("$share/g/jobs"), "a1"))).hasSize(1);

        await(b.forgetRecovered("node-a", "a0"));
        await(b.forgetRecovered("node-x", "a1"));

        assertThat(rowsOf("a1")).isEqualTo(1);
    }

    private int rowsOf(String round) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM broker_recovery_messages WHERE round = :round")
                .bind("round", round).mapTo(Integer.class).one());
    }

    @Test
    void aSessionLoadedToBeHeldIsOwnedByTheLoaderAndItsMessagesAreNotTakenForItsFormerOwner() throws Exception {
        JdbiSessionStore a = store("node-a");
        JdbiSessionStore b = store("node-b");
        await(a.save(new SessionSnapshot("mover", 300, null, List.of(), List.of())));
        await(a.append("mover", shared("mover", 1, "$share/g/jobs", false)));

        assertThat(await(b.loadToHold("mover")).orElseThrow().pending()).hasSize(1);

        assertThat(await(b.takeSharedMessages("node-a", Set.of("$share/g/jobs"), "a1"))).isEmpty();
        assertThat(await(b.loadAll())).extracting(SessionSnapshot::clientId).containsExactly("mover");
    }

    @Test
    void aLoadToHoldWithABudgetReadsQueuedMessagesWhileItLastsAndOwnsTheSessionAllTheSame() throws Exception {
        JdbiSessionStore a = store("node-a");
        JdbiSessionStore b = store("node-b");
        await(a.save(simple("heavy", 1)));
        await(a.append("heavy", sized("heavy", 1, 5))); // sent, not acknowledged: always read
        for (int sequence = 2; sequence <= 6; sequence++) {
            await(a.append("heavy", sized("heavy", sequence, 0)));
        }
        AtomicInteger budgetAsked = new AtomicInteger();

        SessionSnapshot held = await(b.loadToHold("heavy", () -> {
            budgetAsked.incrementAndGet();
            return 2_500;
        })).orElseThrow();

        assertThat(budgetAsked).as("asked once, when the read starts").hasValue(1);
        assertThat(held.pending()).extracting(PendingMessage::sequence).containsExactly(1L, 2L, 3L);
        assertThat(held.storedOnly()).extracting(StoredOnlyMessage::sequence).as("the rest, after them")
                .containsExactly(4L, 5L, 6L);
        assertThat(await(b.loadMessages("heavy", 4, 6))).as("still in the store, for the new holder to read back")
                .extracting(PendingMessage::sequence).containsExactly(4L, 5L, 6L);
        assertThat(await(a.takeSharedMessages("node-a", Set.of("$share/g/jobs"), "h1"))).isEmpty();
        assertThat(await(b.loadAll())).as("node b owns it now").extracting(SessionSnapshot::clientId)
                .containsExactly("heavy");
        assertThat(await(b.loadToHold("heavy")).orElseThrow().pending()).as("without a budget, everything")
                .hasSize(6);
    }

    @Test
    void aTakeoverLoadAndATakeForTheFormerOwnerRacingNeverBothGetAMessage() throws Exception {
        JdbiSessionStore a = store("node-a");
        JdbiSessionStore b = store("node-b");
        JdbiSessionStore c = store("node-c");
        for (int round = 0; round < 30; round++) {
            String clientId = "racer-" + round;
            await(a.save(new SessionSnapshot(clientId, 300, null, List.of(), List.of())));
            for (int sequence = 1; sequence <= 5; sequence++) {
                await(a.append(clientId, shared(clientId, sequence, "$share/g/jobs", false)));
            }
            CompletableFuture<Optional<SessionSnapshot>> loaded = b.loadToHold(clientId);
            CompletableFuture<List<SessionStore.ClientMessage>> taken = c.takeSharedMessages("node-a",
                    Set.of("$share/g/jobs"), "a" + round);

            int inSession = await(loaded).orElseThrow().pending().size();
            int takenOut = await(taken).size();
            await(c.forgetRecovered("node-a", "a" + round));
            assertThat(inSession + takenOut).as("round %d: loaded %d, taken %d", round, inSession, takenOut)
                    .isEqualTo(5);
            assertThat(inSession == 0 || takenOut == 0).isTrue();
        }
    }

    @Test
    void aSnapshotPostgresCannotStoreFailsOnlyItsOwnSave() throws Exception {
        JdbiSessionStore store = store("node-a");
        // jsonb rejects U+0000 in strings.
        SessionSnapshot unstorable = new SessionSnapshot("bad", 10, null,
                List.of(new StoredSubscription("a\u0000b", 0, false, false, 0, null)), List.of());
        CompletableFuture<Void> good1 = store.save(simple("good1", 1));
        CompletableFuture<Void> bad = store.save(unstorable);
        CompletableFuture<Void> good2 = store.save(simple("good2", 2));

        assertThatThrownBy(() -> await(bad)).isInstanceOf(ExecutionException.class);
        await(good1);
        await(good2);
        assertThat(await(store.loadAll())).extracting(SessionSnapshot::clientId).containsExactly("good1", "good2");
    }

    @Test
    void blankNodeIdIsRejected() {
        assertThatThrownBy(() -> new JdbiSessionStore(db.jdbi(), " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nodeId");
    }
}
