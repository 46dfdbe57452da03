package io.mqttbridge.api.resources;

import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.db.testing.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static io.mqttbridge.api.resources.ResourceTestSupport.READER;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static io.mqttbridge.api.resources.ResourceTestSupport.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The message history and topic endpoints against real PostgreSQL. */
class MessageResourceTest {

    @RegisterExtension
    @Order(1)
    static final TestDatabase db = new TestDatabase();

    @RegisterExtension
    @Order(2)
    static final DropwizardExtensionsSupport dropwizard = new DropwizardExtensionsSupport();

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(() -> new MessageResource(db.database().messages()))
            .addResource(() -> new TopicResource(db.database().messages()))
            .build();

    private static final AtomicLong OFFSETS = new AtomicLong();
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);

    @BeforeEach
    void clean() {
        db.truncateAll();
    }

    private static void insert(String topic, String clientId, int qos, boolean retain, Instant at, byte[] payload,
                               String contentType) {
        db.database().partitions().ensurePartitionFor(at);
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO messages (received_at, mqtt_topic, client_id, qos, retain, "
                        + "payload, content_type, kafka_topic, kafka_partition, kafka_offset, topic_tokens) VALUES (:at, :topic, "
                        + ":client, :qos, :retain, :payload, :contentType, 'mqtt.messages', 0, :offset, "
                        + "topic_level_tokens(CAST(:topic AS text)))")
                .bind("at", at.atOffset(ZoneOffset.UTC))
                .bind("topic", topic)
                .bind("client", clientId)
                .bind("qos", (short) qos)
                .bind("retain", retain)
                .bind("payload", payload)
                .bind("contentType", contentType)
                .bind("offset", OFFSETS.incrementAndGet())
                .execute());
    }

    private static void insert(String topic, String clientId, int qos, boolean retain, Instant at) {
        insert(topic, clientId, qos, retain, at, topic.getBytes(StandardCharsets.UTF_8), null);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(String pathAndQuery) {
        Map<String, Object> page = as(resources, READER, pathAndQuery).get(Map.class);
        return (List<Map<String, Object>>) page.get("items");
    }

    private static List<Object> topics(String pathAndQuery) {
        return items(pathAndQuery).stream().map(m -> m.get("topic")).toList();
    }

    @Test
    void topicFilterWithWildcardsSelectsMatchingTopicsNewestFirst() {
        List<String> all = List.of("a/x/c", "a/y/c", "a/x/d", "a/x/c/d", "b/x/c", "a");
        for (int i = 0; i < all.size(); i++) {
            insert(all.get(i), "c1", 0, false, T0.plusSeconds(i));
        }
        assertThat(topics("/api/v1/messages?topic=a/%2B/c")).containsExactly("a/y/c", "a/x/c");
        assertThat(topics("/api/v1/messages?topic=a/%23")).containsExactly("a", "a/x/c/d", "a/x/d", "a/y/c", "a/x/c");
        assertThat(topics("/api/v1/messages?topic=a/x/c")).containsExactly("a/x/c");
        assertThat(topics("/api/v1/messages?topic=a/%2B/c&order=oldest")).containsExactly("a/x/c", "a/y/c");
    }

    @Test
    void clientQosRetainAndTimeCriteriaEachNarrowTheResult() {
        insert("t/1", "alice", 0, false, T0);
        insert("t/2", "bob", 1, false, T0.plusSeconds(10));
        insert("t/3", "alice", 2, true, T0.plusSeconds(20));

        assertThat(topics("/api/v1/messages?clientId=alice")).containsExactly("t/3", "t/1");
        assertThat(topics("/api/v1/messages?qos=1")).containsExactly("t/2");
        assertThat(topics("/api/v1/messages?retain=true")).containsExactly("t/3");
        assertThat(topics("/api/v1/messages?retain=false&clientId=alice")).containsExactly("t/1");
        assertThat(topics("/api/v1/messages?from=" + T0.plusSeconds(10) + "&to=" + T0.plusSeconds(20)))
                .containsExactly("t/2");
        assertThat(topics("/api/v1/messages?from=" + T0.plusSeconds(10).atOffset(ZoneOffset.ofHours(2)).toString().replace("+", "%2B")))
                .containsExactly("t/3", "t/2");
    }

    @Test
    @SuppressWarnings("unchecked")
    void cursorPagesNeitherRepeatNorSkipWhileNewMessagesArrive() {
        for (int i = 0; i < 5; i++) {
            insert("p/" + i, "c", 0, false, T0.plusSeconds(i));
        }
        Map<String, Object> first = as(resources, READER, "/api/v1/messages?topic=p/%23&limit=2").get(Map.class);
        insert("p/new", "c", 0, false, T0.plusSeconds(100));
        List<Object> seen = new ArrayList<>(((List<Map<String, Object>>) first.get("items")).stream()
                .map(m -> m.get("topic")).toList());
        String cursor = (String) first.get("nextCursor");
        while (cursor != null) {
            Map<String, Object> page = as(resources, READER, "/api/v1/messages?topic=p/%23&limit=2&cursor=" + cursor)
                    .get(Map.class);
            ((List<Map<String, Object>>) page.get("items")).forEach(m -> seen.add(m.get("topic")));
            cursor = (String) page.get("nextCursor");
        }
        assertThat(seen).containsExactly("p/4", "p/3", "p/2", "p/1", "p/0");
    }

    @Test
    void payloadComesAsTextBase64OrEmbeddedJsonWithItsContentType() {
        insert("j", "c", 0, false, T0, "{\"temp\":21.5}".getBytes(StandardCharsets.UTF_8), "application/json");

        Map<String, Object> text = items("/api/v1/messages?topic=j").get(0);
        assertThat(text).containsEntry("payloadEncoding", "text").containsEntry("payload", "{\"temp\":21.5}")
                .containsEntry("contentType", "application/json").containsEntry("payloadSize", 13);
        Map<String, Object> json = items("/api/v1/messages?topic=j&payloadEncoding=json").get(0);
        assertThat(json).containsEntry("payloadEncoding", "json").containsEntry("payload", Map.of("temp", 21.5));
        Map<String, Object> base64 = items("/api/v1/messages?topic=j&payloadEncoding=base64").get(0);
        assertThat(base64).containsEntry("payloadEncoding", "base64").containsEntry("payload",
                Base64.getEncoder().encodeToString("{\"temp\":21.5}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void payloadsTheRequestedEncodingCannotCarryFallBackToBase64() {
        byte[] binary = {(byte) 0xC3, (byte) 0x28, 0, 1};
        insert("bin", "c", 0, false, T0, binary, null);
        insert("txt", "c", 0, false, T0.plusSeconds(1), "not json".getBytes(StandardCharsets.UTF_8), "text/plain");

        Map<String, Object> asText = items("/api/v1/messages?topic=bin").get(0);
        assertThat(asText).containsEntry("payloadEncoding", "base64")
                .containsEntry("payload", Base64.getEncoder().encodeToString(binary));
        Map<String, Object> asJson = items("/api/v1/messages?topic=txt&payloadEncoding=json").get(0);
        assertThat(asJson).containsEntry("payloadEncoding", "base64").containsEntry("contentType", "text/plain");
    }

    @Test
    void invalidCriteriaGet400WithTheReason() {
        assertProblem(as(resources, READER, "/api/v1/messages?topic=a/%23/b").get(), 400,
                "topic is not a valid MQTT topic filter ('a/#/b')");
        assertProblem(as(resources, READER, "/api/v1/messages?topic=a%2B").get(), 400, "not a valid MQTT topic filter");
        assertProblem(as(resources, READER, "/api/v1/messages?from=" + T0 + "&to=" + T0).get(), 400,
                "must be before to");
        assertProblem(as(resources, READER, "/api/v1/messages?from=yesterday").get(), 400,
                "from must be an ISO-8601 time");
        // Past PostgreSQL's last timestamp (the year 294276): it failed in the database, a 500.
        assertProblem(as(resources, READER, "/api/v1/messages?from=%2B999999999-12-31T23:59:59Z").get(), 400,
                "from must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z");
        assertProblem(as(resources, READER, "/api/v1/messages?to=-000500-01-01T00:00:00Z").get(), 400,
                "to must be between");
        assertProblem(as(resources, READER, "/api/v1/messages?limit=1001").get(), 400, "limit must be between 1 and 1000");
        assertProblem(as(resources, READER, "/api/v1/messages?qos=3").get(), 400, "qos must be 0, 1 or 2");
        assertProblem(as(resources, READER, "/api/v1/messages?retain=yes").get(), 400, "retain must be true or false");
        assertProblem(as(resources, READER, "/api/v1/messages?order=sideways").get(), 400, "order must be newest or oldest");
        assertProblem(as(resources, READER, "/api/v1/messages?payloadEncoding=hex").get(), 400,
                "payloadEncoding must be text, base64 or json");
        assertProblem(as(resources, READER, "/api/v1/messages?cursor=bm90LWEtY3Vyc29y").get(), 400, "invalid cursor");
        assertProblem(as(resources, READER, "/api/v1/messages?cursor=%25%25").get(), 400, "invalid cursor");
        assertProblem(as(resources, READER, "/api/v1/messages/latest?topic=%23/x").get(), 400,
                "not a valid MQTT topic filter");
    }

    @Test
    void aMisspeltOrUnknownQueryParameterIsRefusedInsteadOfIgnored() {
        insert("t", "c", 0, false, T0);
        // Ignored, "clientid" made this a query over every client's messages.
        assertProblem(as(resources, READER, "/api/v1/messages?clientid=other").get(), 400,
                "unknown query parameter 'clientid'; known here: clientId, cursor, from, limit, order, payloadEncoding,"
                        + " qos, retain, to, topic");
        assertProblem(as(resources, READER, "/api/v1/messages/latest?topicFilter=x/%23").get(), 400,
                "unknown query parameter 'topicFilter'; known here: cursor, limit, payloadEncoding, topic");
        assertProblem(as(resources, READER, "/api/v1/messages?limit=1&limit=2").get(), 400,
                "query parameter 'limit' is given 2 times; it takes one value");
        assertThat(topics("/api/v1/messages?clientId=c")).containsExactly("t");
    }

    @Test
    void aU0000InAQueryValueIsA400NotADatabaseError() {
        insert("t", "c", 0, false, T0);
        assertProblem(as(resources, READER, "/api/v1/messages?clientId=c%00").get(), 400,
                "query parameter 'clientId' must not contain U+0000");
        assertProblem(as(resources, READER, "/api/v1/topics?filter=t%00").get(), 400,
                "query parameter 'filter' must not contain U+0000");
    }

    @Test
    void sqlInInputIsTakenLiterally() {
        insert("t", "c", 0, false, T0);
        assertThat(topics("/api/v1/messages?clientId=" + "x'%20OR%20'1'='1")).isEmpty();
        assertThat(topics("/api/v1/messages?topic=t'%20OR%20'1'='1")).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void latestGivesTheNewestMessageOfEachMatchingTopic() {
        insert("s/1/temp", "c", 0, false, T0, "10".getBytes(StandardCharsets.UTF_8), null);
        insert("s/1/temp", "c", 0, false, T0.plusSeconds(5), "11".getBytes(StandardCharsets.UTF_8), null);
        insert("s/2/temp", "c", 0, false, T0.plusSeconds(1), "20".getBytes(StandardCharsets.UTF_8), null);
        insert("s/2/hum", "c", 0, false, T0.plusSeconds(2), "50".getBytes(StandardCharsets.UTF_8), null);

        List<Map<String, Object>> latest = items("/api/v1/messages/latest?topic=s/%2B/temp");
        assertThat(latest).extracting(m -> m.get("topic"), m -> m.get("payload"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("s/1/temp", "11"),
                        org.assertj.core.groups.Tuple.tuple("s/2/temp", "20"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void latestSaysWhenTopicsArePastThePageAndItsCursorReachesThem() {
        for (String topic : List.of("l/c", "l/a", "l/b")) {
            insert(topic, "old", 0, false, T0, "old".getBytes(StandardCharsets.UTF_8), null);
            insert(topic, "new", 0, false, T0.plusSeconds(1), "new".getBytes(StandardCharsets.UTF_8), null);
        }

        Map<String, Object> first = as(resources, READER, "/api/v1/messages/latest?topic=l/%23&limit=2").get(Map.class);
        assertThat((List<Map<String, Object>>) first.get("items")).extracting(m -> m.get("topic"))
                .containsExactly("l/a", "l/b");
        assertThat(first.get("nextCursor")).as("a topic is past the page").isNotNull();
        Map<String, Object> rest = as(resources, READER, "/api/v1/messages/latest?topic=l/%23&limit=2&cursor="
                + first.get("nextCursor")).get(Map.class);
        assertThat((List<Map<String, Object>>) rest.get("items")).extracting(m -> m.get("topic"), m -> m.get("payload"))
                .containsExactly(tuple("l/c", "new"));
        assertThat(rest).containsEntry("nextCursor", null);
        assertProblem(as(resources, READER, "/api/v1/messages/latest?cursor=bm90LW91cnM").get(), 400, "invalid cursor");
    }

    @Test
    @SuppressWarnings("unchecked")
    void latestLeavesOutThePayloadsPastItsBudgetButListsEveryTopic() {
        byte[] nineMiB = new byte[9 * 1024 * 1024];
        Arrays.fill(nineMiB, (byte) 'a');
        insert("big/1", "c", 0, false, T0, nineMiB, null);
        insert("big/2", "c", 0, false, T0, nineMiB, null);
        insert("big/3", "c", 0, false, T0, "small".getBytes(StandardCharsets.UTF_8), null);

        List<Map<String, Object>> latest = items("/api/v1/messages/latest?topic=big/%23");

        assertThat(latest).extracting(m -> m.get("topic")).containsExactly("big/1", "big/2", "big/3");
        assertThat(latest).extracting(m -> m.get("payloadSize")).containsExactly(nineMiB.length, nineMiB.length, 5);
        // 9 MiB leave room in the 16 MiB budget for one more payload, 18 MiB do not.
        assertThat(latest).extracting(m -> m.get("payload") instanceof String text ? text.length() : null)
                .containsExactly(nineMiB.length, nineMiB.length, null);
        assertThat(latest).extracting(m -> m.get("payloadOmitted"), m -> m.containsKey("payloadEncoding"))
                .containsExactly(tuple(null, true), tuple(null, true), tuple(true, false));
    }

    @Test
    @SuppressWarnings("unchecked")
    void topicsListsMatchingTopicsWithCountsAndLastSeen() {
        insert("h/a", "c", 0, false, T0);
        insert("h/a", "c", 0, false, T0.plusSeconds(7));
        insert("h/b", "c", 0, false, T0.plusSeconds(1));
        insert("other", "c", 0, false, T0.plusSeconds(2));

        List<Map<String, Object>> topics = items("/api/v1/topics?filter=h/%23");
        assertThat(topics).extracting(t -> t.get("topic"), t -> t.get("messageCount"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("h/a", 2), org.assertj.core.groups.Tuple.tuple("h/b", 1));
        assertThat(Instant.parse((String) topics.get(0).get("lastSeenAt"))).isEqualTo(T0.plusSeconds(7));
        assertThat(items("/api/v1/topics?limit=1")).hasSize(1);
        assertProblem(as(resources, READER, "/api/v1/topics?filter=h/%23/x").get(), 400, "filter is not a valid");
        assertProblem(as(resources, READER, "/api/v1/topics?limit=0").get(), 400, "limit must be between");
        assertProblem(as(resources, READER, "/api/v1/topics?cursor=bm90LW91cnM").get(), 400, "invalid cursor");
    }

    @Test
    @SuppressWarnings("unchecked")
    void topicsPastOnePageAreReachedThroughTheCursorEachOnce() {
        db.database().partitions().ensurePartitionFor(T0);
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO messages (received_at, mqtt_topic, client_id, qos,"
                        + " retain, payload, kafka_topic, kafka_partition, kafka_offset, topic_tokens)"
                        + " SELECT :at, 'tp/' || i, 'c', 0, false, '', 'mqtt.messages', 1, i,"
                        + " topic_level_tokens('tp/' || i) FROM generate_series(1, 1100) i")
                .bind("at", T0.atOffset(ZoneOffset.UTC))
                .execute());

        Map<String, Object> first = as(resources, READER, "/api/v1/topics?filter=tp/%23&limit=1000").get(Map.class);
        assertThat((List<?>) first.get("items")).hasSize(1000);
        assertThat(first.get("nextCursor")).as("more topics than the page holds").isNotNull();
        Map<String, Object> second = as(resources, READER, "/api/v1/topics?filter=tp/%23&limit=1000&cursor="
                + first.get("nextCursor")).get(Map.class);
        assertThat(second).containsEntry("nextCursor", null);

        List<Object> seen = new ArrayList<>();
        for (Map<String, Object> page : List.of(first, second)) {
            ((List<Map<String, Object>>) page.get("items")).forEach(t -> seen.add(t.get("topic")));
        }
        assertThat(seen).hasSize(1100).doesNotHaveDuplicates()
                .isSortedAccordingTo(java.util.Comparator.comparing(String::valueOf)).contains("tp/1", "tp/1100");
    }

    @Test
    void anonymousCallersGet401() {
        try (var response = as(resources, null, "/api/v1/messages").get()) {
            assertThat(response.getStatus()).isEqualTo(401);
        }
        try (var response = as(resources, null, "/api/v1/topics").get()) {
            assertThat(response.getStatus()).isEqualTo(401);
        }
    }
}
