package io.mqttbridge.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.testing.time.ManualClock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class JdbiRetainedStoreTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);

    private final ManualClock clock = new ManualClock(NOW);
    private final List<JdbiRetainedStore> stores = new ArrayList<>();
    private JdbiRetainedStore store;

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE retained_messages"));
        store = store();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(JdbiRetainedStore::close);
    }

    private JdbiRetainedStore store() {
        JdbiRetainedStore created = new JdbiRetainedStore(db.jdbi(), clock);
        stores.add(created);
        return created;
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    private static PublishedMessage retained(String topic, String payload) {
        return new PublishedMessage(topic, payload.getBytes(), 1, true, "pub", null, MqttVersion.MQTT_3_1_1, NOW,
                MessageProperties.NONE);
    }

    private static PublishedMessage expiring(String topic, long expirySeconds) {
        return new PublishedMessage(topic, "x".getBytes(), 0, true, "pub", null, MqttVersion.MQTT_5, NOW,
                new MessageProperties(null, expirySeconds, null, null, null, List.of()));
    }

    private List<String> topicsMatching(String filter) throws Exception {
        return await(store.matching(filter)).stream().map(PublishedMessage::topic).toList();
    }

    private void putAll(String... topics) throws Exception {
        for (String topic : topics) {
            store.put(retained(topic, "p:" + topic));
        }
        await(store.put(retained(topics[topics.length - 1], "p:" + topics[topics.length - 1])));
    }

    /**
     * Two nodes on one table: what one stores the other clears. The clearing node's running count went
     * below zero and stayed there (the gauge and $SYS showed -3); the count is taken again when read.
     */
    @Test
    void theCountFollowsWhatOtherNodesStoreAndClear() throws Exception {
        JdbiRetainedStore other = store();
        await(other.put(retained("warm-up", "")));
        putAll("a", "b", "c");
        assertThat(store.size()).isEqualTo(3);

        other.put(retained("a", ""));
        other.put(retained("b", ""));
        await(other.put(retained("c", "")));
        assertThat(other.size()).isNotNegative();
        clock.set(NOW.plusSeconds(31));

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> store.size() == 0 && other.size() == 0);
    }

    @Test
    void messageWithEveryFieldIsReturnedForItsExactTopic() throws Exception {
        byte[] payload = JdbiSessionStoreTest.everyByte();
        PublishedMessage message = new PublishedMessage("a/b", payload, 2, true, "publisher", "alice",
                MqttVersion.MQTT_5, NOW, new MessageProperties(1, 3600L, "text/plain", "reply/here",
                new byte[] {0, 1, -128}, List.of(new UserProperty("k", "1"), new UserProperty("k", "2"))));
        await(store.put(message));

        assertThat(await(store().matching("a/b"))).singleElement().usingRecursiveComparison().isEqualTo(message);
        assertThat(topicsMatching("a/c")).isEmpty();
    }

    @Test
    void messageFromAnInjectorWithoutClientOrVersionIsReturnedAsStored() throws Exception {
        PublishedMessage message = new PublishedMessage("downlink/x", new byte[] {1}, 0, true, null, null, null, NOW,
                MessageProperties.NONE);
        await(store.put(message));

        assertThat(await(store.matching("downlink/x"))).singleElement().usingRecursiveComparison().isEqualTo(message);
    }

    @Test
    void laterPutReplacesTheTopicsMessage() throws Exception {
        store.put(retained("state/door", "open"));
        await(store.put(retained("state/door", "closed")));

        assertThat(await(store.matching("state/door"))).singleElement()
                .extracting(m -> new String(m.payload())).isEqualTo("closed");
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void emptyPayloadClearsTheTopicEvenWhenQueuedRightAfterAPut() throws Exception {
        putAll("state/door", "state/window");
        store.put(retained("state/door", "again"));
        await(store.put(retained("state/door", "")));

        assertThat(topicsMatching("state/#")).containsExactly("state/window");
        assertThat(store.size()).isEqualTo(1);
        JdbiRetainedStore restarted = store();
        await(restarted.purgeExpired());
        assertThat(restarted.size()).isEqualTo(1);
    }

    @Test
    void singleLevelWildcardMatchesExactlyOneLevel() throws Exception {
        putAll("s/a/temp", "s/b/temp", "s/a/temp/x", "s/temp", "s//temp", "s/a/humidity", "t/a/temp");

        assertThat(topicsMatching("s/+/temp")).containsExactly("s//temp", "s/a/temp", "s/b/temp");
        assertThat(topicsMatching("+/+/temp")).containsExactly("s//temp", "s/a/temp", "s/b/temp", "t/a/temp");
        assertThat(topicsMatching("s/+")).containsExactly("s/temp");
    }

    @Test
    void multiLevelWildcardMatchesTheParentAndEverythingBelowButNotSiblingPrefixes() throws Exception {
        putAll("a/b", "a/b/c", "a/b/c/d", "a/bc", "a/b0", "a");

        assertThat(topicsMatching("a/b/#")).containsExactly("a/b", "a/b/c", "a/b/c/d");
        assertThat(topicsMatching("a/+/#")).containsExactly("a/b", "a/b/c", "a/b/c/d", "a/b0", "a/bc");
    }

    @Test
    void wildcardsAtTheStartDoNotMatchDollarTopicsButDollarFiltersDo() throws Exception {
        putAll("$SYS/broker/uptime", "$SYS/x", "normal/x", "x");

        assertThat(topicsMatching("#")).containsExactly("normal/x", "x");
        assertThat(topicsMatching("+/x")).containsExactly("normal/x");
        assertThat(topicsMatching("$SYS/#")).containsExactly("$SYS/broker/uptime", "$SYS/x");
        assertThat(topicsMatching("$SYS/+")).containsExactly("$SYS/x");
        assertThat(topicsMatching("$SYS/broker/uptime")).containsExactly("$SYS/broker/uptime");
    }

    @Test
    void regexMetacharactersInTopicsAreMatchedLiterally() throws Exception {
        putAll("a.b/(x)*", "aXb/(x)*", "a.b/[y]");

        assertThat(topicsMatching("a.b/+")).containsExactly("a.b/(x)*", "a.b/[y]");
        assertThat(topicsMatching("a.b/(x)*")).containsExactly("a.b/(x)*");
    }

    @Test
    void expiredMessagesAreNotReturnedAndPurgeDeletesThem() throws Exception {
        store.put(expiring("e/short", 10));
        store.put(expiring("e/long", 100));
        await(store.put(retained("e/never", "x")));

        clock.set(NOW.plusSeconds(9));
        assertThat(topicsMatching("e/#")).containsExactly("e/long", "e/never", "e/short");
        clock.set(NOW.plusSeconds(11));
        assertThat(topicsMatching("e/#")).containsExactly("e/long", "e/never");
        assertThat(topicsMatching("e/short")).isEmpty();

        assertThat(await(store.purgeExpired())).isEqualTo(1);
        assertThat(store.size()).isEqualTo(2);
        long rows = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM retained_messages")
                .mapTo(Long.class).one());
        assertThat(rows).isEqualTo(2);
    }

    @Test
    void invalidAndSharedFiltersFailWithTheFilterNamed() {
        assertThatThrownBy(() -> await(store.matching("a/#/b")))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a/#/b");
        assertThatThrownBy(() -> await(store.matching("$share/g/a")))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("$share/g/a");
    }

    @Test
    void exactAndPrefixFiltersAreAnsweredFromTheIndex() {
        db.jdbi().useHandle(h -> {
            h.execute("INSERT INTO retained_messages (topic, payload, qos, properties, received_at, stored_at) "
                    + "SELECT 'dev/' || i || '/state', '\\x01', 0, '{}', now(), now() FROM generate_series(1, 20000) i");
            h.execute("ANALYZE retained_messages");
        });
        assertThat(plan("dev/77/state")).contains("retained_messages_pkey").doesNotContain("Seq Scan");
        assertThat(plan("dev/77/#")).contains("retained_messages_pkey").doesNotContain("Seq Scan");
    }

    private String plan(String filter) {
        JdbiRetainedStore.MatchingQuery query = JdbiRetainedStore.MatchingQuery.of(filter);
        List<String> lines = db.jdbi().withHandle(h -> h.createQuery("EXPLAIN " + query.sql())
                .bindMap(query.binds())
                .bind("now", NOW.atOffset(ZoneOffset.UTC))
                .mapTo(String.class).list());
        return String.join("\n", lines);
    }

    @Test
    void pagesOfAWildcardFilterFollowEachOtherInTopicOrderWithoutGapsOrRepeats() throws Exception {
        putAll("a/1", "a/2", "a/3", "a/4", "a/5", "b/1");
        List<String> seen = new ArrayList<>();
        String after = null;
        List<PublishedMessage> page;
        do {
            page = await(store.matchingPage("a/#", after, 2));
            assertThat(page.size()).isLessThanOrEqualTo(2);
            page.forEach(m -> seen.add(m.topic()));
            after = page.isEmpty() ? after : page.get(page.size() - 1).topic();
        } while (page.size() == 2);

        assertThat(seen).containsExactly("a/1", "a/2", "a/3", "a/4", "a/5");
    }

    @Test
    void aPageLeavesOutExpiredMessages() throws Exception {
        await(store.put(expiring("e/1", 10)));
        putAll("e/2");
        clock.set(NOW.plusSeconds(11));

        assertThat(await(store.matchingPage("e/+", null, 10))).extracting(PublishedMessage::topic).containsExactly("e/2");
    }
}
