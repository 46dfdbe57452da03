package io.mqttbridge.db.internal;

import io.mqttbridge.db.Page;
import io.mqttbridge.db.RetainedMessage;
import io.mqttbridge.db.RetainedMessageRepository;
import org.jdbi.v3.core.Jdbi;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link RetainedMessageRepository} on the {@code retained_messages} table. */
public final class JdbiRetainedMessageRepository implements RetainedMessageRepository {

    /** Retained payloads can be as large as the broker's maximum packet: a page carries at most this many bytes of them. */
    public static final long DEFAULT_PAGE_PAYLOAD_BUDGET = JdbiMessageRepository.DEFAULT_PAGE_PAYLOAD_BUDGET;

    private static final String COLUMNS = "topic, qos, client_id, username, protocol_version, received_at, expires_at";
    private static final String NOT_EXPIRED = "(expires_at IS NULL OR expires_at > :now)";

    private final Jdbi jdbi;
    private final Clock clock;
    private final long pagePayloadBudget;

    public JdbiRetainedMessageRepository(Jdbi jdbi) {
        this(jdbi, Clock.systemUTC(), DEFAULT_PAGE_PAYLOAD_BUDGET);
    }

    /** @param pagePayloadBudget payload bytes one page carries at most (tests use small ones) */
    public JdbiRetainedMessageRepository(Jdbi jdbi, Clock clock, long pagePayloadBudget) {
        this.jdbi = jdbi;
        this.clock = clock;
        this.pagePayloadBudget = pagePayloadBudget;
    }

    @Override
    public Page<RetainedMessage> find(String topicFilter, String cursor, int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
        }
        List<String> where = new ArrayList<>(List.of(NOT_EXPIRED));
        Map<String, Object> binds = new HashMap<>();
        if (topicFilter != null) {
            TopicFilterSql.Predicate topic = TopicFilterSql.of("topic", topicFilter, "filter");
            where.addAll(topic.clauses());
            binds.putAll(topic.binds());
        }
        if (cursor != null) {
            where.add("topic > :after");
            binds.put("after", Cursors.decodeText(cursor));
        }
        String order = " ORDER BY topic";
        String rows = "SELECT " + COLUMNS + ", payload, octet_length(payload) AS payload_size FROM retained_messages"
                + " WHERE " + String.join(" AND ", where) + order + " LIMIT :limit";
        List<PayloadBudget.Row<RetainedMessage>> fetched = jdbi.withHandle(h -> h.createQuery(
                        PayloadBudget.around(rows, COLUMNS + ", payload_size", order))
                .bindMap(binds)
                .bind("now", Sql.utc(clock.instant()))
                .bind("limit", limit + 1)
                .bind("budget", pagePayloadBudget)
                .map((rs, ctx) -> new PayloadBudget.Row<>(map(rs), rs.getBoolean("within_budget")))
                .list());
        return PayloadBudget.page(fetched, limit, last -> Cursors.encodeText(last.topic()));
    }

    @Override
    public Optional<RetainedMessage> get(String topic) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS
                        + ", payload, octet_length(payload) AS payload_size FROM retained_messages"
                        + " WHERE topic = :topic AND " + NOT_EXPIRED)
                .bind("topic", topic)
                .bind("now", Sql.utc(clock.instant()))
                .map((rs, ctx) -> map(rs))
                .findOne());
    }

    @Override
    public boolean delete(String topic) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM retained_messages WHERE topic = :topic")
                .bind("topic", topic)
                .execute()) > 0;
    }

    private static RetainedMessage map(ResultSet rs) throws SQLException {
        return new RetainedMessage(rs.getString("topic"), rs.getBytes("payload"), rs.getInt("payload_size"),
                rs.getInt("qos"), rs.getString("client_id"), rs.getString("username"),
                Sql.nullableInt(rs, "protocol_version"), Sql.instant(rs, "received_at"), Sql.instant(rs, "expires_at"));
    }
}
