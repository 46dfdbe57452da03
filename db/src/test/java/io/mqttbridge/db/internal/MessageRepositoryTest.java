package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.db.MessageQuery;
import io.mqttbridge.db.MessageRepository;
import io.mqttbridge.db.Page;
import io.mqttbridge.db.StoredMessage;
import io.mqttbridge.db.TopicSummary;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MessageRepositoryTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final AtomicLong OFFSETS = new AtomicLong();
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);

    private MessageRepository messages;

    @BeforeEach
    void clean() {
        db.truncateAll();
        messages = db.database().messages();
    }

    private static void insert(String topic, String clientId, int qos, boolean retain, Instant at) {
        insert(topic, clientId, qos, retain, at, topic.getBytes());
    }

    private static void insert(String topic, String clientId, int qos, boolean retain, Instant at, byte[] payload) {
        db.database().partitions().ensurePartitionFor(at);
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO messages (received_at, mqtt_topic, client_id, qos, retain, "
                        + "payload, kafka_topic, kafka_partition, kafka_offset, topic_tokens) VALUES (:at, :topic, :client, :qos, "
                        + ":retain, :payload, 'k', 0, :offset, topic_level_tokens(CAST(:topic AS text)))")
                .bind("at", at.atOffset(ZoneOffset.UTC))
                .bind("topic", topic)
                .bind("client", clientId)
                .bind("qos", (short) qos)
                .bind("retain", retain)
                .bind("payload", payload)
                .bind("offset", OFFSETS.incrementAndGet())
                .execute());
    }

    private static void insertTopics(String... topics) {
        for (int i = 0; i < topics.length; i++) {
            insert(topics[i], "c", 0, false, T0.plusSeconds(i));
        }
    }

    private List<String> topicsMatching(String filter) {
        return messages.find(MessageQuery.all().topicFilter(filter).order(MessageQuery.Order.OLDEST_FIRST))
                .items().stream().map(StoredMessage::topic).toList();
    }

    @Test
    void filterWithoutWildcardsMatchesOnlyThatExactTopic() {
        insertTopics("a/b", "a/bc", "a/b/c", "A/b");
        assertThat(topicsMatching("a/b")).containsExactly("a/b");
    }

    @Test
    void plusMatchesExactlyOneLevelIncludingAnEmptyOne() {
        insertTopics("a/x/c", "a//c", "a/x/y/c", "a/x/cd", "b/x/c", "a/x");
        assertThat(topicsMatching("a/+/c")).containsExactly("a/x/c", "a//c");
    }

    @Test
    void trailingHashMatchesTheParentAndEveryDescendantButNotSiblingsSharingThePrefix() {
        insertTopics("a/b", "a/b/c", "a/b/c/d", "a/bc", "a/c", "a");
        assertThat(topicsMatching("a/b/#")).containsExactly("a/b", "a/b/c", "a/b/c/d");
    }

    @Test
    void filtersStartingWithAWildcardDoNotMatchDollarTopics() {
        insertTopics("$SYS/x", "sensors/x", "$SYS/y/z");
        assertThat(topicsMatching("#")).containsExactly("sensors/x");
        assertThat(topicsMatching("+/x")).containsExactly("sensors/x");
        assertThat(topicsMatching("$SYS/#")).containsExactly("$SYS/x", "$SYS/y/z");
    }

    @Test
    void regexAndLikeCharactersInFiltersAreLiterals() {
        insertTopics("a.b/1", "axb/1", "a%b/1", "a_b/1", "(x)|y/1", "x/1");
        assertThat(topicsMatching("a.b/+")).containsExactly("a.b/1");
        assertThat(topicsMatching("a%b/+")).containsExactly("a%b/1");
        assertThat(topicsMatching("a_b/#")).containsExactly("a_b/1");
        assertThat(topicsMatching("(x)|y/+")).containsExactly("(x)|y/1");
        assertThat(topicsMatching("'; DROP TABLE messages; --")).isEmpty();
        assertThat(topicsMatching("#")).hasSize(6);
    }

    @Test
    void nonAsciiTopicsMatchByPrefix() {
        insertTopics("häuser/küche/temp", "häuser/bad/temp", "hauser/küche/temp");
        assertThat(topicsMatching("häuser/+/temp")).containsExactly("häuser/küche/temp", "häuser/bad/temp");
        assertThat(topicsMatching("häuser/#")).containsExactly("häuser/küche/temp", "häuser/bad/temp");
    }

    @Test
    void clientIdQosRetainAndTimeRangeEachNarrowTheResult() {
        insert("t", "alice", 0, false, T0);
        insert("t", "bob", 1, false, T0.plusSeconds(1));
        insert("t", "alice", 2, true, T0.plusSeconds(2));
        insert("t", "alice", 1, false, T0.plusSeconds(3));

        assertThat(messages.find(MessageQuery.all().clientId("alice")).items()).hasSize(3);
        assertThat(messages.find(MessageQuery.all().qos(1)).items()).extracting(StoredMessage::receivedAt)
                .containsExactly(T0.plusSeconds(3), T0.plusSeconds(1));
        assertThat(messages.find(MessageQuery.all().retain(true)).items()).extracting(StoredMessage::qos).containsExactly(2);
        assertThat(messages.find(MessageQuery.all().retain(false)).items()).hasSize(3);
        // from is inclusive, to is exclusive
        assertThat(messages.find(MessageQuery.all().from(T0.plusSeconds(1)).to(T0.plusSeconds(3))).items())
                .extracting(StoredMessage::receivedAt).containsExactly(T0.plusSeconds(2), T0.plusSeconds(1));
        assertThat(messages.find(MessageQuery.all().clientId("alice").qos(1).from(T0)).items()).hasSize(1);
    }

    @Test
    void newestFirstIsTheDefaultAndOldestFirstReverses() {
        insert("t", "c", 0, false, T0.plusSeconds(1));
        insert("t", "c", 0, false, T0);
        insert("t", "c", 0, false, T0.plusSeconds(2));
        assertThat(messages.find(MessageQuery.all()).items()).extracting(StoredMessage::receivedAt)
                .containsExactly(T0.plusSeconds(2), T0.plusSeconds(1), T0);
        assertThat(messages.find(MessageQuery.all().order(MessageQuery.Order.OLDEST_FIRST)).items())
                .extracting(StoredMessage::receivedAt).containsExactly(T0, T0.plusSeconds(1), T0.plusSeconds(2));
    }

    @Test
    void cursorPagesVisitEveryRowOnceEvenWithEqualTimestampsAndInsertsBetweenPages() {
        for (MessageQuery.Order order : MessageQuery.Order.values()) {
            db.truncateAll();
            for (int i = 0; i < 25; i++) {
                insert("p/" + i, "c", 0, false, T0.plusSeconds(i / 4));
            }
            List<String> seen = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                Page<StoredMessage> page = messages.find(MessageQuery.all().order(order).limit(7).after(cursor));
                page.items().forEach(m -> seen.add(m.topic()));
                cursor = page.nextCursor();
                if (pages++ == 0) {
                    // Arrives while a client pages: newer than anything newest-first still has to show.
                    insert("late/" + order, "c", 0, false, order == MessageQuery.Order.NEWEST_FIRST
                            ? T0.plusSeconds(100) : T0.minusSeconds(100));
                }
            } while (cursor != null);
            assertThat(seen).as(order.name()).hasSize(25).doesNotHaveDuplicates().noneMatch(t -> t.startsWith("late/"));
            assertThat(pages).isEqualTo(4);
        }
    }

    @Test
    void aPageEndsOnceItsPayloadsReachTheBudgetAndItsCursorGoesOnWithoutSkippingAny() {
        MessageRepository budgeted = new JdbiMessageRepository(db.jdbi(), 1_000);
        for (int i = 0; i < 7; i++) {
            insert("big/" + i, "c", 0, false, T0.plusSeconds(i), new byte[400]);
        }
        insert("big/huge", "c", 0, false, T0.plusSeconds(7), new byte[5_000]);

        List<List<String>> oldestFirst = new ArrayList<>();
        String cursor = null;
        do {
            Page<StoredMessage> page = budgeted.find(MessageQuery.all().order(MessageQuery.Order.OLDEST_FIRST).after(cursor));
            oldestFirst.add(page.items().stream().map(StoredMessage::topic).toList());
            assertThat(page.items()).allSatisfy(m -> assertThat(m.payload()).hasSize(m.topic().equals("big/huge") ? 5_000 : 400));
            cursor = page.nextCursor();
        } while (cursor != null);
        // 400 + 400 leave room for a third payload, 1,200 do not; a page's first message always fits.
        assertThat(oldestFirst).containsExactly(List.of("big/0", "big/1", "big/2"), List.of("big/3", "big/4", "big/5"),
                List.of("big/6", "big/huge"));

        Page<StoredMessage> newest = budgeted.find(MessageQuery.all());
        assertThat(newest.items()).extracting(StoredMessage::topic).containsExactly("big/huge");
        assertThat(newest.nextCursor()).isNotNull();
        assertThat(messages.find(MessageQuery.all()).items()).as("the default budget holds them all").hasSize(8);
    }

    @Test
    void theLatestMessagesKeepEveryTopicAndLeaveOutThePayloadsPastTheBudget() {
        MessageRepository budgeted = new JdbiMessageRepository(db.jdbi(), 1_000);
        for (int i = 0; i < 4; i++) {
            insert("big/" + i, "old", 0, false, T0, new byte[50_000]);
            insert("big/" + i, "new", 0, false, T0.plusSeconds(1), new byte[400 + i]);
        }

        List<StoredMessage> latest = budgeted.latestPerTopic("big/#", null, 10).items();

        assertThat(latest).extracting(StoredMessage::topic).containsExactly("big/0", "big/1", "big/2", "big/3");
        assertThat(latest).extracting(StoredMessage::clientId).containsOnly("new");
        assertThat(latest).extracting(StoredMessage::payloadSize).containsExactly(400, 401, 402, 403);
        // 400 + 401 leave room for a third payload, 1,203 do not.
        assertThat(latest.subList(0, 3)).allSatisfy(m -> assertThat(m.payload()).hasSize(m.payloadSize()));
        assertThat(latest.get(3).payload()).isNull();
        assertThat(messages.latestPerTopic("big/#", null, 10).items()).as("the default budget holds them all")
                .allSatisfy(m -> assertThat(m.payload()).hasSize(m.payloadSize()));
    }

    @Test
    void lastPageHasNoCursor() {
        insert("t", "c", 0, false, T0);
        Page<StoredMessage> page = messages.find(MessageQuery.all().limit(1));
        assertThat(page.items()).hasSize(1);
        assertThat(page.nextCursor()).isNull();
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() {
        assertThatThrownBy(() -> MessageQuery.all().topicFilter("a/#/b")).hasMessageContaining("'#'");
        assertThatThrownBy(() -> MessageQuery.all().qos(3)).hasMessageContaining("qos");
        assertThatThrownBy(() -> MessageQuery.all().limit(0)).hasMessageContaining("limit");
        assertThatThrownBy(() -> messages.find(MessageQuery.all().after("not-a-cursor")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cursor");
        assertThatThrownBy(() -> messages.latestPerTopic("a/#/b", null, 10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void latestPerTopicReturnsTheNewestMessageOfEachMatchingTopic() {
        insert("home/a", "old", 0, false, T0);
        insert("home/a", "new", 0, false, T0.plusSeconds(5));
        insert("home/b", "only", 0, false, T0.plusSeconds(1));
        insert("work/a", "other", 0, false, T0.plusSeconds(9));

        List<StoredMessage> latest = messages.latestPerTopic("home/#", null, 10).items();

        assertThat(latest).extracting(StoredMessage::topic).containsExactly("home/a", "home/b");
        assertThat(latest).extracting(StoredMessage::clientId).containsExactly("new", "only");
        assertThat(messages.latestPerTopic(null, null, 10).items()).hasSize(3);
        assertThat(messages.latestPerTopic(null, null, 1).items()).hasSize(1);
    }

    @Test
    void theLatestMessagesComeInPagesByTopicEachTopicOnce() {
        for (String topic : List.of("lp/c", "lp/a", "lp/e", "lp/b", "lp/d", "other/x")) {
            insert(topic, "old", 0, false, T0);
            insert(topic, "new", 0, false, T0.plusSeconds(1));
        }
        List<List<StoredMessage>> pages = allPages(cursor -> messages.latestPerTopic("lp/#", cursor, 2));
        List<StoredMessage> seen = pages.stream().flatMap(List::stream).toList();
        List<Integer> pageSizes = pages.stream().map(List::size).toList();

        assertThat(seen).extracting(StoredMessage::topic).containsExactly("lp/a", "lp/b", "lp/c", "lp/d", "lp/e");
        assertThat(seen).extracting(StoredMessage::clientId).containsOnly("new");
        assertThat(pageSizes).containsExactly(2, 2, 1);
        assertThat(messages.latestPerTopic("lp/#", null, 5).nextCursor()).as("exactly a page left: no cursor").isNull();
        assertThatThrownBy(() -> messages.latestPerTopic(null, "bm90LW91cnM", 5))
                .hasMessageContaining("invalid cursor");
    }

    @Test
    void topicsUnderAFilterComeWithCountsAndLastSeen() {
        insert("home/a", "c", 0, false, T0);
        insert("home/a", "c", 0, false, T0.plusSeconds(5));
        insert("home/b", "c", 0, false, T0.plusSeconds(1));
        insert("work/a", "c", 0, false, T0.plusSeconds(9));

        assertThat(messages.topics("home/+", null, 10).items()).containsExactly(
                new TopicSummary("home/a", 2, T0.plusSeconds(5)),
                new TopicSummary("home/b", 1, T0.plusSeconds(1)));
        assertThat(messages.topics(null, null, 10).items()).hasSize(3);
        assertThat(messages.topics(null, null, 2).items()).hasSize(2);
    }

    @Test
    void topicsComeInPagesByTopicEachTopicOnceWithItsWholeCount() {
        for (String topic : List.of("tp/c", "tp/a", "tp/e", "tp/b", "tp/d", "other/x")) {
            insert(topic, "c", 0, false, T0);
            insert(topic, "c", 0, false, T0.plusSeconds(1));
        }
        List<List<TopicSummary>> pages = allPages(cursor -> messages.topics("tp/#", cursor, 2));
        List<TopicSummary> seen = pages.stream().flatMap(List::stream).toList();
        List<Integer> pageSizes = pages.stream().map(List::size).toList();

        assertThat(seen).extracting(TopicSummary::topic).containsExactly("tp/a", "tp/b", "tp/c", "tp/d", "tp/e");
        assertThat(seen).extracting(TopicSummary::messageCount).containsOnly(2L);
        assertThat(pageSizes).containsExactly(2, 2, 1);
        assertThat(messages.topics("tp/#", null, 5).nextCursor()).as("exactly a page left: no cursor").isNull();
        assertThatThrownBy(() -> messages.topics(null, "bm90LW91cnM", 5)).hasMessageContaining("invalid cursor");
    }

    /** The items of every page of a listing, following its cursors (ten pages at most). */
    private static <T> List<List<T>> allPages(Function<String, Page<T>> read) {
        List<List<T>> pages = new ArrayList<>();
        String cursor = null;
        do {
            Page<T> page = read.apply(cursor);
            pages.add(page.items());
            cursor = page.nextCursor();
        } while (cursor != null && pages.size() < 10);
        return pages;
    }
}
