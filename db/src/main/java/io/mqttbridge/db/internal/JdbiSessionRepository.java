package io.mqttbridge.db.internal;

import io.mqttbridge.db.BrokerNode;
import io.mqttbridge.db.DisconnectReasonCount;
import io.mqttbridge.db.Page;
import io.mqttbridge.db.SessionQuery;
import io.mqttbridge.db.SessionRecord;
import io.mqttbridge.db.SessionRepository;
import io.mqttbridge.db.TimelineEvent;
import io.mqttbridge.db.TimelineQuery;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/** {@link SessionRepository} on the {@code sessions}, {@code subscription_events} and {@code broker_nodes} tables. */
public final class JdbiSessionRepository implements SessionRepository {

    private final Jdbi jdbi;

    public JdbiSessionRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Optional<SessionRecord> find(UUID connectionId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM sessions WHERE connection_id = :id")
                .bind("id", connectionId)
                .map(JdbiSessionRepository::map)
                .findOne());
    }

    @Override
    public Page<SessionRecord> find(SessionQuery query) {
        List<String> where = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>();
        where.add("connected_at IS NOT NULL");
        equal(where, binds, "client_id", query.clientId());
        equal(where, binds, "username", query.username());
        equal(where, binds, "device_id", query.deviceId());
        equal(where, binds, "node_id", query.nodeId());
        if (query.connectedOnly()) {
            where.add("disconnected_at IS NULL");
        }
        if (query.to() != null) {
            where.add("connected_at < :to");
            binds.put("to", Sql.utc(query.to()));
        }
        if (query.from() != null) {
            where.add("(disconnected_at IS NULL OR disconnected_at >= :from)");
            binds.put("from", Sql.utc(query.from()));
        }
        if (query.afterCursor() != null) {
            Cursors.TimeKey key = Cursors.decodeTimeKey(query.afterCursor());
            where.add("(connected_at, connection_id) < (:cursorTime, :cursorId)");
            binds.put("cursorTime", Sql.utc(key.time()));
            try {
                binds.put("cursorId", UUID.fromString(key.key()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid cursor '" + query.afterCursor() + "'");
            }
        }
        String sql = "SELECT * FROM sessions WHERE " + String.join(" AND ", where)
                + " ORDER BY connected_at DESC, connection_id DESC LIMIT :limit";
        List<SessionRecord> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bindMap(binds).bind("limit", query.limit() + 1);
            return q.map(JdbiSessionRepository::map).list();
        });
        if (rows.size() <= query.limit()) {
            return new Page<>(rows, null);
        }
        List<SessionRecord> page = rows.subList(0, query.limit());
        SessionRecord last = page.get(page.size() - 1);
        return new Page<>(page, Cursors.encodeTimeKey(last.connectedAt(), last.connectionId()));
    }

    @Override
    public long countConnected(String nodeId) {
        // The partial index of open sessions (sessions_open_idx) holds exactly these rows.
        String sql = "SELECT count(*) FROM sessions WHERE disconnected_at IS NULL AND connected_at IS NOT NULL"
                + (nodeId == null ? "" : " AND node_id = :node");
        return jdbi.withHandle(h -> {
            var count = h.createQuery(sql);
            if (nodeId != null) {
                count.bind("node", nodeId);
            }
            return count.mapTo(Long.class).one();
        });
    }

    @Override
    public Page<TimelineEvent> deviceTimeline(TimelineQuery query) {
        List<String> where = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>();
        binds.put("device", query.deviceId());
        if (query.from() != null) {
            where.add("at >= :from");
            binds.put("from", Sql.utc(query.from()));
        }
        if (query.to() != null) {
            where.add("at < :to");
            binds.put("to", Sql.utc(query.to()));
        }
        String direction = query.newestFirst() ? "DESC" : "ASC";
        if (query.afterCursor() != null) {
            TimelineCursor after = TimelineCursor.decode(query.afterCursor());
            where.add("(at, rank, connection_id, event_id) " + (query.newestFirst() ? "<" : ">")
                    + " (:afterAt, :afterRank, :afterConnection, :afterEvent)");
            binds.put("afterAt", Sql.utc(after.at()));
            binds.put("afterRank", after.rank());
            binds.put("afterConnection", after.connectionId());
            binds.put("afterEvent", after.eventId());
        }
        String sql = """
                SELECT * FROM (
                    SELECT connected_at AS at, 0 AS rank, 0::bigint AS event_id, 'CONNECTED' AS type, connection_id,
                           client_id, node_id, NULL::text[] AS topic_filters, NULL::text AS reason
                      FROM sessions WHERE device_id = :device AND connected_at IS NOT NULL
                    UNION ALL
                    SELECT disconnected_at, 2, 0, 'DISCONNECTED', connection_id, client_id, node_id, NULL,
                           disconnect_reason
                      FROM sessions WHERE device_id = :device AND disconnected_at IS NOT NULL
                    UNION ALL
                    SELECT e.occurred_at, 1, e.id, upper(e.kind), e.connection_id, e.client_id, e.node_id,
                           e.topic_filters, NULL
                      FROM subscription_events e JOIN sessions s ON s.connection_id = e.connection_id
                     WHERE s.device_id = :device
                ) timeline
                """ + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY at " + direction + ", rank " + direction + ", connection_id " + direction
                + ", event_id " + direction + " LIMIT :limit";
        List<TimelineRow> rows = jdbi.withHandle(h -> h.createQuery(sql).bindMap(binds)
                .bind("limit", query.limit() + 1)
                .map((rs, ctx) -> new TimelineRow(new TimelineEvent(Sql.instant(rs, "at"),
                        TimelineEvent.Type.valueOf(rs.getString("type")),
                        rs.getObject("connection_id", UUID.class),
                        rs.getString("client_id"),
                        rs.getString("node_id"),
                        strings(rs.getArray("topic_filters")),
                        rs.getString("reason")), rs.getInt("rank"), rs.getLong("event_id")))
                .list());
        Page<TimelineRow> page = KeysetPages.of(rows, query.limit(), TimelineRow::cursor);
        return new Page<>(page.items().stream().map(TimelineRow::event).toList(), page.nextCursor());
    }

    /** An event with the rest of its sort key, which the event itself does not show. */
    private record TimelineRow(TimelineEvent event, int rank, long eventId) {
        String cursor() {
            return new TimelineCursor(event.at(), rank, event.connectionId(), eventId).encode();
        }
    }

    @Override
    public List<DisconnectReasonCount> disconnectReasons(Instant from, Instant to) {
        List<String> where = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>();
        where.add("disconnected_at IS NOT NULL");
        if (from != null) {
            where.add("disconnected_at >= :from");
            binds.put("from", Sql.utc(from));
        }
        if (to != null) {
            where.add("disconnected_at < :to");
            binds.put("to", Sql.utc(to));
        }
        String sql = "SELECT disconnect_reason, count(*) AS sessions FROM sessions WHERE " + String.join(" AND ", where)
                + " GROUP BY disconnect_reason ORDER BY sessions DESC, disconnect_reason";
        return jdbi.withHandle(h -> h.createQuery(sql).bindMap(binds)
                .map((rs, ctx) -> new DisconnectReasonCount(rs.getString("disconnect_reason"), rs.getLong("sessions")))
                .list());
    }

    @Override
    public List<BrokerNode> nodes() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM broker_nodes ORDER BY node_id")
                .map((rs, ctx) -> new BrokerNode(rs.getString("node_id"), Sql.instant(rs, "started_at"),
                        Sql.instant(rs, "last_heartbeat_at")))
                .list());
    }

    private static void equal(List<String> where, Map<String, Object> binds, String column, String value) {
        if (value != null) {
            where.add(column + " = :" + column);
            binds.put(column, value);
        }
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        return List.of((String[]) array.getArray());
    }

    static SessionRecord map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new SessionRecord(
                rs.getObject("connection_id", UUID.class),
                rs.getString("client_id"),
                rs.getString("username"),
                rs.getString("device_id"),
                rs.getString("node_id"),
                rs.getString("remote_address"),
                Sql.nullableInt(rs, "protocol_version"),
                Sql.nullableBoolean(rs, "clean_start"),
                Sql.nullableInt(rs, "keep_alive"),
                Sql.nullableLong(rs, "session_expiry"),
                Sql.instant(rs, "connected_at"),
                Sql.instant(rs, "disconnected_at"),
                rs.getString("disconnect_reason"),
                Sql.nullableInt(rs, "reason_code"),
                Sql.nullableBoolean(rs, "will_published"));
    }
}
