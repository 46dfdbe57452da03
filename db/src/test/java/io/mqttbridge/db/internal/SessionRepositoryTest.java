package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.db.Page;
import io.mqttbridge.db.SessionQuery;
import io.mqttbridge.db.SessionRecord;
import io.mqttbridge.db.SessionRepository;
import io.mqttbridge.db.TimelineEvent;
import io.mqttbridge.db.TimelineQuery;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionRepositoryTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(10_000);

    private SessionRepository sessions;

    @BeforeEach
    void clean() {
        db.truncateAll();
        sessions = db.database().sessions();
    }

    private static UUID session(String clientId, String username, String deviceId, String node, Instant connectedAt,
                                Instant disconnectedAt) {
        UUID id = UUID.randomUUID();
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO sessions (connection_id, client_id, username, device_id, "
                        + "node_id, connected_at, disconnected_at, disconnect_reason) VALUES (:id, :client, :user, "
                        + ":device, :node, :connected, :disconnected, :reason)")
                .bind("id", id)
                .bind("client", clientId)
                .bind("user", username)
                .bind("device", deviceId)
                .bind("node", node)
                .bind("connected", connectedAt == null ? null : connectedAt.atOffset(ZoneOffset.UTC))
                .bind("disconnected", disconnectedAt == null ? null : disconnectedAt.atOffset(ZoneOffset.UTC))
                .bind("reason", disconnectedAt == null ? null : "client_disconnect")
                .execute());
        return id;
    }

    private List<UUID> ids(SessionQuery query) {
        return sessions.find(query).items().stream().map(SessionRecord::connectionId).toList();
    }

    @Test
    void eachCriterionSelectsOnlyMatchingSessions() {
        UUID a = session("c1", "u1", "d1", "n1", T0, T0.plusSeconds(10));
        UUID b = session("c2", "u2", "d2", "n2", T0.plusSeconds(1), null);
        UUID c = session("c1", "u2", "d1", "n2", T0.plusSeconds(2), null);

        assertThat(ids(SessionQuery.all().clientId("c1"))).containsExactly(c, a);
        assertThat(ids(SessionQuery.all().username("u2"))).containsExactly(c, b);
        assertThat(ids(SessionQuery.all().deviceId("d2"))).containsExactly(b);
        assertThat(ids(SessionQuery.all().nodeId("n1"))).containsExactly(a);
        assertThat(ids(SessionQuery.all().connectedOnly(true))).containsExactly(c, b);
        assertThat(ids(SessionQuery.all().clientId("c1").connectedOnly(true))).containsExactly(c);
        assertThat(ids(SessionQuery.all())).containsExactly(c, b, a);
        assertThat(sessions.countConnected(null)).isEqualTo(2);
        assertThat(sessions.countConnected("n2")).isEqualTo(2);
        assertThat(sessions.countConnected("n1")).isZero();
    }

    @Test
    void timeRangeSelectsSessionsConnectedAtSomeMomentOfIt() {
        UUID endedBefore = session("c", "u", "d", "n", T0, T0.plusSeconds(10));
        UUID spanning = session("c", "u", "d", "n", T0.plusSeconds(5), T0.plusSeconds(50));
        UUID stillOpen = session("c", "u", "d", "n", T0.plusSeconds(15), null);
        UUID startsAfter = session("c", "u", "d", "n", T0.plusSeconds(100), null);

        assertThat(ids(SessionQuery.all().between(T0.plusSeconds(20), T0.plusSeconds(60))))
                .containsExactly(stillOpen, spanning);
        assertThat(ids(SessionQuery.all().between(T0.plusSeconds(20), null)))
                .containsExactly(startsAfter, stillOpen, spanning);
        assertThat(ids(SessionQuery.all().between(null, T0.plusSeconds(5))))
                .containsExactly(endedBefore);
        assertThatThrownBy(() -> SessionQuery.all().between(T0, T0)).hasMessageContaining("before");
    }

    @Test
    void sessionsWhoseConnectWasNeverSeenAreNotListed() {
        session("c", "u", "d", "n", null, T0);
        UUID seen = session("c", "u", "d", "n", T0, null);
        assertThat(ids(SessionQuery.all())).containsExactly(seen);
    }

    @Test
    void pagesFollowTheCursorThroughEqualConnectTimes() {
        List<UUID> all = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            all.add(session("c", "u", "d", "n", T0.plusSeconds(i / 3), null));
        }
        List<UUID> seen = new ArrayList<>();
        String cursor = null;
        do {
            Page<SessionRecord> page = sessions.find(SessionQuery.all().limit(4).after(cursor));
            page.items().forEach(s -> seen.add(s.connectionId()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(seen).hasSize(9).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
        assertThatThrownBy(() -> sessions.find(SessionQuery.all().after("bad"))).hasMessageContaining("cursor");
    }

    @Test
    void deviceTimelineInterleavesConnectsSubscriptionsAndDisconnectsOfThatDeviceInTimeOrder() {
        UUID first = session("c", "u", "dev", "n", T0, T0.plusSeconds(10));
        UUID second = session("c", "u", "dev", "n", T0.plusSeconds(20), null);
        session("c", "u", "other", "n", T0.plusSeconds(5), T0.plusSeconds(6));
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO subscription_events (connection_id, client_id, node_id, kind, "
                        + "topic_filters, occurred_at, kafka_topic, kafka_partition, kafka_offset) VALUES "
                        + "(:id, 'c', 'n', 'subscribed', ARRAY['cmd/#'], :at, 'k', 0, 1)")
                .bind("id", first).bind("at", T0.plusSeconds(1).atOffset(ZoneOffset.UTC)).execute());

        List<TimelineEvent> timeline = sessions.deviceTimeline(TimelineQuery.oldestFirst("dev", 100)).items();

        assertThat(timeline).extracting(TimelineEvent::type).containsExactly(TimelineEvent.Type.CONNECTED,
                TimelineEvent.Type.SUBSCRIBED, TimelineEvent.Type.DISCONNECTED, TimelineEvent.Type.CONNECTED);
        assertThat(timeline.get(1).topicFilters()).containsExactly("cmd/#");
        assertThat(timeline.get(2).disconnectReason()).isEqualTo("client_disconnect");
        assertThat(timeline.get(3).connectionId()).isEqualTo(second);
        assertThat(sessions.deviceTimeline(new TimelineQuery("dev", T0.plusSeconds(1), T0.plusSeconds(20), false, null,
                100)).items()).extracting(TimelineEvent::at).containsExactly(T0.plusSeconds(1), T0.plusSeconds(10));
        assertThat(sessions.deviceTimeline(TimelineQuery.oldestFirst("dev", 2)).items()).hasSize(2);
    }

    @Test
    void deviceTimelineComesInPagesEitherWayEachEventOnceEvenWhenEventsShareAnInstant() {
        // Two connections at the same instant, each subscribing twice at that instant: eight events, four at T0.
        UUID first = session("c1", "u", "dev", "n", T0, T0.plusSeconds(10));
        UUID second = session("c2", "u", "dev", "n", T0, T0.plusSeconds(10));
        long offset = 100;
        for (UUID connection : List.of(first, second)) {
            for (String filter : List.of("a/#", "b/#")) {
                subscribed(connection, filter, T0, offset++);
            }
        }
        List<TimelineEvent> oldest = sessions.deviceTimeline(TimelineQuery.oldestFirst("dev", 100)).items();
        assertThat(oldest).hasSize(8);

        for (boolean newestFirst : List.of(false, true)) {
            List<TimelineEvent> seen = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                Page<TimelineEvent> page = sessions.deviceTimeline(new TimelineQuery("dev", null, null, newestFirst,
                        cursor, 3));
                assertThat(page.items()).hasSizeLessThanOrEqualTo(3);
                seen.addAll(page.items());
                cursor = page.nextCursor();
                pages++;
            } while (cursor != null && pages < 10);

            List<TimelineEvent> expected = new ArrayList<>(oldest);
            if (newestFirst) {
                java.util.Collections.reverse(expected);
            }
            assertThat(seen).as(newestFirst ? "newest first" : "oldest first").containsExactlyElementsOf(expected);
            assertThat(pages).isEqualTo(3);
        }
        assertThat(sessions.deviceTimeline(new TimelineQuery("dev", null, null, true, null, 1)).items())
                .extracting(TimelineEvent::type).containsExactly(TimelineEvent.Type.DISCONNECTED);
        assertThatThrownBy(() -> sessions.deviceTimeline(new TimelineQuery("dev", null, null, true,
                "dDoxOm5vdC1hLXV1aWQ", 3))).hasMessageContaining("invalid cursor");
    }

    private static void subscribed(UUID connection, String filter, Instant at, long offset) {
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO subscription_events (connection_id, client_id, node_id, "
                        + "kind, topic_filters, occurred_at, kafka_topic, kafka_partition, kafka_offset) VALUES "
                        + "(:id, 'c', 'n', 'subscribed', ARRAY[:filter], :at, 'k', 0, :offset)")
                .bind("id", connection).bind("filter", filter).bind("at", at.atOffset(ZoneOffset.UTC))
                .bind("offset", offset).execute());
    }
}
