package io.mqttbridge.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredSubscription;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class JdbiSessionStoreTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private final List<JdbiSessionStore> stores = new ArrayList<>();

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE broker_session_state"));
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
                        new PendingMessage(mqtt311, 0, 0, false, null)));
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
        assertThat(loaded.iterator().next()).usingRecursiveComparison().isEqualTo(saved);
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
    void sessionsOfAnotherNodeAreNeitherLoadedNorRemoved() throws Exception {
        await(store("node-a").save(simple("shared-id", 1)));
        await(store("node-b").save(simple("shared-id", 2)));
        await(store("node-b").remove("shared-id"));

        assertThat(await(store("node-a").loadAll())).singleElement()
                .extracting(SessionSnapshot::sessionExpirySeconds).isEqualTo(1L);
        assertThat(await(store("node-b").loadAll())).isEmpty();
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
