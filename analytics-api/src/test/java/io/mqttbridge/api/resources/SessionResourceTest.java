package io.mqttbridge.api.resources;

import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.db.testing.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static io.mqttbridge.api.resources.ResourceTestSupport.READER;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static io.mqttbridge.api.resources.ResourceTestSupport.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The session history endpoints against real PostgreSQL. */
class SessionResourceTest {

    @RegisterExtension
    @Order(1)
    static final TestDatabase db = new TestDatabase();

    @RegisterExtension
    @Order(2)
    static final DropwizardExtensionsSupport dropwizard = new DropwizardExtensionsSupport();

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(() -> new SessionResource(db.database().sessions()))
            .build();

    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(10_000);
    private static final AtomicLong OFFSETS = new AtomicLong();

    @BeforeEach
    void clean() {
        db.truncateAll();
    }

    private static UUID session(String clientId, String username, String node, Instant connectedAt,
                                Instant disconnectedAt, String reason) {
        UUID id = UUID.randomUUID();
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO sessions (connection_id, client_id, username, device_id, "
                        + "node_id, protocol_version, connected_at, disconnected_at, disconnect_reason) VALUES (:id, "
                        + ":client, :user, :user, :node, 5, :connected, :disconnected, :reason)")
                .bind("id", id)
                .bind("client", clientId)
                .bind("user", username)
                .bind("node", node)
                .bind("connected", connectedAt.atOffset(ZoneOffset.UTC))
                .bind("disconnected", disconnectedAt == null ? null : disconnectedAt.atOffset(ZoneOffset.UTC))
                .bind("reason", reason)
                .execute());
        return id;
    }

    private static void subscribed(UUID connectionId, String clientId, String node, Instant at, String filter) {
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO subscription_events (connection_id, client_id, node_id, "
                        + "kind, topic_filters, occurred_at, kafka_topic, kafka_partition, kafka_offset) VALUES (:id, "
                        + ":client, :node, 'subscribed', ARRAY[:filter], :at, 'events', 0, :offset)")
                .bind("id", connectionId)
                .bind("client", clientId)
                .bind("node", node)
                .bind("filter", filter)
                .bind("at", at.atOffset(ZoneOffset.UTC))
                .bind("offset", OFFSETS.incrementAndGet())
                .execute());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> events(String pathAndQuery) {
        return (List<Map<String, Object>>) as(resources, READER, pathAndQuery).get(Map.class).get("items");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> ids(String pathAndQuery) {
        Map<String, Object> page = as(resources, READER, pathAndQuery).get(Map.class);
        return ((List<Map<String, Object>>) page.get("items")).stream().map(s -> s.get("connectionId")).toList();
    }

    @Test
    void eachFilterSelectsOnlyMatchingSessionsNewestFirst() {
        UUID a = session("c1", "u1", "n1", T0, T0.plusSeconds(10), "client_disconnect");
        UUID b = session("c2", "u2", "n2", T0.plusSeconds(100), null, null);
        UUID c = session("c1", "u2", "n2", T0.plusSeconds(200), null, null);

        assertThat(ids("/api/v1/sessions")).containsExactly(c.toString(), b.toString(), a.toString());
        assertThat(ids("/api/v1/sessions?clientId=c1")).containsExactly(c.toString(), a.toString());
        assertThat(ids("/api/v1/sessions?username=u2")).containsExactly(c.toString(), b.toString());
        assertThat(ids("/api/v1/sessions?deviceId=u1")).containsExactly(a.toString());
        assertThat(ids("/api/v1/sessions?node=n1")).containsExactly(a.toString());
        assertThat(ids("/api/v1/sessions?connected=true")).containsExactly(c.toString(), b.toString());
        assertThat(ids("/api/v1/sessions?from=" + T0.plusSeconds(50) + "&to=" + T0.plusSeconds(150)))
                .containsExactly(b.toString());
        assertThat(ids("/api/v1/sessions/connected?node=n2")).containsExactly(c.toString(), b.toString());
        assertThat(as(resources, READER, "/api/v1/sessions/connected/count").get(Map.class))
                .isEqualTo(Map.of("connected", 2));
        assertThat(as(resources, READER, "/api/v1/sessions/connected/count?node=n1").get(Map.class))
                .isEqualTo(Map.of("connected", 0));
    }

    @Test
    @SuppressWarnings("unchecked")
    void pagesFollowTheCursorWithoutRepeats() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expected.add(0, session("p" + i, "u", "n", T0.plusSeconds(i), null, null).toString());
        }
        List<Object> seen = new ArrayList<>();
        String cursor = null;
        do {
            Map<String, Object> page = as(resources, READER, "/api/v1/sessions?limit=2"
                    + (cursor == null ? "" : "&cursor=" + cursor)).get(Map.class);
            ((List<Map<String, Object>>) page.get("items")).forEach(s -> seen.add(s.get("connectionId")));
            cursor = (String) page.get("nextCursor");
        } while (cursor != null);
        assertThat(seen).containsExactlyElementsOf(expected);
    }

    @Test
    @SuppressWarnings("unchecked")
    void oneSessionByIdShowsItsFieldsAndUnknownOrMalformedIdsAreRefused() {
        UUID a = session("c1", "u1", "n1", T0, T0.plusSeconds(10), "connection_lost");

        Map<String, Object> session = as(resources, READER, "/api/v1/sessions/" + a).get(Map.class);
        assertThat(session).containsEntry("clientId", "c1").containsEntry("disconnectReason", "connection_lost")
                .containsEntry("protocolVersion", 5).containsEntry("connectedAt", T0.toString());
        assertProblem(as(resources, READER, "/api/v1/sessions/" + UUID.randomUUID()).get(), 404, "no session");
        assertProblem(as(resources, READER, "/api/v1/sessions/not-a-uuid").get(), 400, "connectionId must be a UUID");
    }

    @Test
    @SuppressWarnings("unchecked")
    void disconnectReasonsAreCountedWithinTheRange() {
        session("a", "u", "n", T0, T0.plusSeconds(1), "connection_lost");
        session("b", "u", "n", T0, T0.plusSeconds(2), "connection_lost");
        session("c", "u", "n", T0, T0.plusSeconds(3), "client_disconnect");
        session("d", "u", "n", T0, T0.plusSeconds(500), "node_lost");

        List<Map<String, Object>> reasons = as(resources, READER, "/api/v1/sessions/disconnect-reasons?to="
                + T0.plusSeconds(100)).get(List.class);
        assertThat(reasons).containsExactly(Map.of("reason", "connection_lost", "sessions", 2),
                Map.of("reason", "client_disconnect", "sessions", 1));
    }

    @Test
    @SuppressWarnings("unchecked")
    void deviceTimelineListsConnectsSubscribesAndDisconnectsInOrder() {
        UUID a = session("dev-1", "dev-1", "n", T0, T0.plusSeconds(30), "client_disconnect");
        subscribed(a, "dev-1", "n", T0.plusSeconds(5), "cmd/dev-1/#");
        session("other", "other", "n", T0.plusSeconds(1), null, null);

        List<Map<String, Object>> timeline = events("/api/v1/sessions/timeline/dev-1?order=oldest");
        assertThat(timeline).extracting(e -> e.get("type"))
                .containsExactly("CONNECTED", "SUBSCRIBED", "DISCONNECTED");
        assertThat(timeline.get(1).get("topicFilters")).isEqualTo(List.of("cmd/dev-1/#"));
        assertThat(timeline.get(2).get("disconnectReason")).isEqualTo("client_disconnect");
        assertThat(events("/api/v1/sessions/timeline/dev-1")).extracting(e -> e.get("type"))
                .as("newest first by default").containsExactly("DISCONNECTED", "SUBSCRIBED", "CONNECTED");
        assertThat(events("/api/v1/sessions/timeline/dev-1?limit=1")).hasSize(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aLongDeviceTimelineStartsWithItsMostRecentEventsAndItsCursorReachesTheOldest() {
        for (int i = 0; i < 6; i++) {
            session("dev-2", "dev-2", "n", T0.plusSeconds(10L * i), T0.plusSeconds(10L * i + 5), "connection_lost");
        }

        Map<String, Object> first = as(resources, READER, "/api/v1/sessions/timeline/dev-2?limit=5").get(Map.class);
        List<Map<String, Object>> recent = (List<Map<String, Object>>) first.get("items");
        assertThat(recent.get(0)).as("the most recent event first")
                .containsEntry("type", "DISCONNECTED").containsEntry("at", T0.plusSeconds(55).toString());
        List<Object> seen = new ArrayList<>(recent.stream().map(e -> e.get("at")).toList());
        String cursor = (String) first.get("nextCursor");
        while (cursor != null && seen.size() < 100) {
            Map<String, Object> page = as(resources, READER, "/api/v1/sessions/timeline/dev-2?limit=5&cursor=" + cursor)
                    .get(Map.class);
            ((List<Map<String, Object>>) page.get("items")).forEach(e -> seen.add(e.get("at")));
            cursor = (String) page.get("nextCursor");
        }
        assertThat(seen).hasSize(12).doesNotHaveDuplicates().endsWith(T0.toString());
        assertProblem(as(resources, READER, "/api/v1/sessions/timeline/dev-2?cursor=bm90LW91cnM").get(), 400,
                "invalid cursor");
        assertProblem(as(resources, READER, "/api/v1/sessions/timeline/dev-2?order=latest").get(), 400,
                "order must be newest or oldest");
    }

    @Test
    void invalidCriteriaGet400() {
        assertProblem(as(resources, READER, "/api/v1/sessions?from=" + T0 + "&to=" + T0.minusSeconds(1)).get(), 400,
                "must be before to");
        assertProblem(as(resources, READER, "/api/v1/sessions?to=noon").get(), 400, "to must be an ISO-8601 time");
        assertProblem(as(resources, READER, "/api/v1/sessions?limit=5000").get(), 400, "limit must be between 1 and 1000");
        assertProblem(as(resources, READER, "/api/v1/sessions?connected=1").get(), 400, "connected must be true or false");
        assertProblem(as(resources, READER, "/api/v1/sessions?cursor=dDoxOm5vdC1hLXV1aWQ").get(), 400, "invalid cursor");
        assertProblem(as(resources, READER, "/api/v1/sessions/timeline/x?limit=0").get(), 400, "limit must be between");
        assertProblem(as(resources, READER, "/api/v1/sessions/disconnect-reasons?from=" + T0 + "&to=" + T0).get(), 400,
                "must be before to");
        // Each of these reached PostgreSQL and came back as a 500.
        for (String parameter : List.of("clientId", "username", "deviceId", "node")) {
            assertProblem(as(resources, READER, "/api/v1/sessions?" + parameter + "=a%00").get(), 400,
                    "query parameter '" + parameter + "' must not contain U+0000");
        }
        assertProblem(as(resources, READER, "/api/v1/sessions/connected?node=n%00").get(), 400,
                "query parameter 'node' must not contain U+0000");
        assertProblem(as(resources, READER, "/api/v1/sessions?client=a").get(), 400,
                "unknown query parameter 'client'; known here: clientId, connected, cursor, deviceId, from, limit, node,"
                        + " to, username");
    }

    @Test
    @SuppressWarnings("unchecked")
    void nodesAreListedWithTheirLastHeartbeat() {
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO broker_nodes (node_id, started_at, last_heartbeat_at) "
                        + "VALUES ('n2', :t, :t), ('n1', :t, :h)")
                .bind("t", T0.atOffset(ZoneOffset.UTC))
                .bind("h", T0.plusSeconds(30).atOffset(ZoneOffset.UTC))
                .execute());

        List<Map<String, Object>> nodes = as(resources, READER, "/api/v1/sessions/nodes").get(List.class);

        assertThat(nodes).extracting(n -> n.get("nodeId")).containsExactly("n1", "n2");
        assertThat(nodes.get(0)).containsEntry("lastHeartbeatAt", T0.plusSeconds(30).toString());
    }

    @Test
    void anonymousCallersGet401() {
        try (var response = as(resources, null, "/api/v1/sessions").get()) {
            assertThat(response.getStatus()).isEqualTo(401);
        }
    }
}
