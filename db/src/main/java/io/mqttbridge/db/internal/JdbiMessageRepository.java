package io.mqttbridge.db.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.db.MessageQuery;
import io.mqttbridge.db.MessageRepository;
import io.mqttbridge.db.Page;
import io.mqttbridge.db.StoredMessage;
import io.mqttbridge.db.TopicSummary;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;

/** {@link MessageRepository} on the partitioned {@code messages} table. */
public final class JdbiMessageRepository implements MessageRepository {

    private static final String COLUMNS = "id, received_at, mqtt_topic, client_id, username, node_id, qos, retain, "
            + "payload, octet_length(payload) AS payload_size, content_type, user_properties::text AS user_properties, "
            + "kafka_topic, kafka_partition, kafka_offset";

    /* The same columns, as a budgeted read's outer query selects them from its inner one (payload apart). */
    private static final String PAGE_COLUMNS = "id, received_at, mqtt_topic, client_id, username, node_id, qos, retain, "
            + "payload_size, content_type, user_properties, kafka_topic, kafka_partition, kafka_offset";

    /**
     * Payload bytes one page of {@link #find} or one answer of {@link #latestPerTopic} carries at most
     * (16 MiB). A payload may be as large as the broker's packet size, so 1,000 messages could hold
     * hundreds of megabytes, all at once in the heap of a process that is also the MQTT broker. A page
     * ends early instead (always holding at least one message); its cursor goes on from there, so
     * nothing is skipped. A page of the latest messages keeps every topic up to its limit instead, and
     * leaves out the payloads past the budget (read one with {@link #find} for its topic).
     */
    public static final long DEFAULT_PAGE_PAYLOAD_BUDGET = 16L * 1024 * 1024;

    private final Jdbi jdbi;
    private final long pagePayloadBudget;

    public JdbiMessageRepository(Jdbi jdbi) {
        this(jdbi, DEFAULT_PAGE_PAYLOAD_BUDGET);
    }

    public JdbiMessageRepository(Jdbi jdbi, long pagePayloadBudget) {
        this.jdbi = jdbi;
        this.pagePayloadBudget = pagePayloadBudget;
    }

    @Override
    public Page<StoredMessage> find(MessageQuery query) {
        List<String> where = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>();
        if (query.topicFilter() != null) {
            TopicFilterSql.Predicate topic = TopicFilterSql.of("mqtt_topic", "topic_tokens", query.topicFilter(), "topic");
            where.addAll(topic.clauses());
            binds.putAll(topic.binds());
        }
        if (query.clientId() != null) {
            where.add("client_id = :clientId");
            binds.put("clientId", query.clientId());
        }
        if (query.from() != null) {
            where.add("received_at >= :from");
            binds.put("from", Sql.utc(query.from()));
        }
        if (query.to() != null) {
            where.add("received_at < :to");
            binds.put("to", Sql.utc(query.to()));
        }
        if (query.qos() != null) {
            where.add("qos = :qos");
            binds.put("qos", query.qos().shortValue());
        }
        if (query.retain() != null) {
            where.add("retain = :retain");
            binds.put("retain", query.retain());
        }
        boolean newestFirst = query.order() == MessageQuery.Order.NEWEST_FIRST;
        if (query.afterCursor() != null) {
            Cursors.TimeKey key = Cursors.decodeTimeKey(query.afterCursor());
            where.add("(received_at, id) " + (newestFirst ? "<" : ">") + " (:cursorTime, :cursorId)");
            binds.put("cursorTime", Sql.utc(key.time()));
            try {
                binds.put("cursorId", Long.parseLong(key.key()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid cursor '" + query.afterCursor() + "'");
            }
        }
        String order = " ORDER BY received_at " + (newestFirst ? "DESC" : "ASC") + ", id " + (newestFirst ? "DESC" : "ASC");
        String page = "SELECT " + COLUMNS + " FROM messages"
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where)) + order + " LIMIT :limit";
        List<PayloadBudget.Row<StoredMessage>> rows = jdbi.withHandle(h -> h.createQuery(
                        PayloadBudget.around(page, PAGE_COLUMNS, order))
                .addCustomizer(PlanPerExecution.INSTANCE)
                .bindMap(binds)
                .bind("limit", query.limit() + 1)
                .bind("budget", pagePayloadBudget)
                .map((rs, ctx) -> new PayloadBudget.Row<>(map(rs, ctx), rs.getBoolean("within_budget")))
                .list());
        return PayloadBudget.page(rows, query.limit(), last -> Cursors.encodeTimeKey(last.receivedAt(), last.id()));
    }

    @Override
    public Page<StoredMessage> latestPerTopic(String topicFilter, String cursor, int limit) {
        checkLimit(limit);
        // A skip scan: walk the distinct topics through the topic index (one probe per topic instead of
        // reading every row), then fetch each topic's newest row. DISTINCT ON would read all rows.
        List<String> firstWhere = new ArrayList<>();
        List<String> nextWhere = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>();
        if (topicFilter != null) {
            firstWhere.addAll(TopicFilterSql.of("mqtt_topic", topicFilter, "topic").clauses());
            nextWhere.addAll(TopicFilterSql.of("m.mqtt_topic", topicFilter, "topic").clauses());
            binds.putAll(TopicFilterSql.of("mqtt_topic", topicFilter, "topic").binds());
        }
        if (cursor != null) {
            firstWhere.add("mqtt_topic > :after");
            binds.put("after", Cursors.decodeText(cursor));
        }
        String first = firstWhere.isEmpty() ? "" : " WHERE " + String.join(" AND ", firstWhere);
        String next = nextWhere.stream().map(clause -> " AND " + clause).collect(Collectors.joining());
        String sql = "WITH RECURSIVE topics(mqtt_topic) AS ("
                + " (SELECT mqtt_topic FROM messages" + first + " ORDER BY mqtt_topic LIMIT 1)"
                + " UNION ALL"
                + " SELECT (SELECT m.mqtt_topic FROM messages m WHERE m.mqtt_topic > t.mqtt_topic" + next
                + " ORDER BY m.mqtt_topic LIMIT 1) FROM topics t WHERE t.mqtt_topic IS NOT NULL)"
                + " SELECT latest.* FROM topics t CROSS JOIN LATERAL (SELECT " + COLUMNS
                + " FROM messages WHERE mqtt_topic = t.mqtt_topic ORDER BY received_at DESC, id DESC LIMIT 1) latest"
                + " WHERE t.mqtt_topic IS NOT NULL ORDER BY latest.mqtt_topic LIMIT :limit";
        List<StoredMessage> rows = jdbi.withHandle(h -> h.createQuery(
                        PayloadBudget.around(sql, PAGE_COLUMNS, " ORDER BY mqtt_topic"))
                .bindMap(binds)
                .bind("limit", limit + 1)
                .bind("budget", pagePayloadBudget)
                .map(JdbiMessageRepository::map)
                .list());
        return KeysetPages.of(rows, limit, last -> Cursors.encodeText(last.topic()));
    }

    @Override
    public Page<TopicSummary> topics(String topicFilter, String cursor, int limit) {
        checkLimit(limit);
        List<String> where = new ArrayList<>();
        Map<String, Object> binds = new LinkedHashMap<>();
        if (topicFilter != null) {
            TopicFilterSql.Predicate topic = TopicFilterSql.of("mqtt_topic", "topic_tokens", topicFilter, "topic");
            where.addAll(topic.clauses());
            binds.putAll(topic.binds());
        }
        if (cursor != null) {
            where.add("mqtt_topic > :after");
            binds.put("after", Cursors.decodeText(cursor));
        }
        String sql = "SELECT mqtt_topic, count(*) AS messages, max(received_at) AS last_seen FROM messages"
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " GROUP BY mqtt_topic ORDER BY mqtt_topic LIMIT :limit";
        List<TopicSummary> rows = jdbi.withHandle(h -> h.createQuery(sql)
                .addCustomizer(PlanPerExecution.INSTANCE)
                .bindMap(binds)
                .bind("limit", limit + 1)
                .map((rs, ctx) -> new TopicSummary(rs.getString("mqtt_topic"), rs.getLong("messages"),
                        Sql.instant(rs, "last_seen")))
                .list());
        return KeysetPages.of(rows, limit, last -> Cursors.encodeText(last.topic()));
    }

    private static void checkLimit(int limit) {
        if (limit < 1 || limit > MessageQuery.MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MessageQuery.MAX_LIMIT + ", was " + limit);
        }
    }

    private static StoredMessage map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new StoredMessage(
                rs.getLong("id"),
                Sql.instant(rs, "received_at"),
                rs.getString("mqtt_topic"),
                rs.getString("client_id"),
                rs.getString("username"),
                rs.getString("node_id"),
                rs.getInt("qos"),
                rs.getBoolean("retain"),
                rs.getBytes("payload"),
                rs.getInt("payload_size"),
                rs.getString("content_type"),
                userProperties(rs.getString("user_properties")),
                rs.getString("kafka_topic"),
                rs.getInt("kafka_partition"),
                rs.getLong("kafka_offset"));
    }

    /** User properties are stored as a JSON array of [name, value] pairs: names may repeat, order matters. */
    static List<UserProperty> userProperties(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            List<UserProperty> properties = new ArrayList<>();
            for (JsonNode pair : Json.MAPPER.readTree(json)) {
                properties.add(new UserProperty(pair.get(0).asText(), pair.get(1).asText()));
            }
            return properties;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored user properties are not JSON: " + e.getOriginalMessage(), e);
        }
    }

    static String userPropertiesJson(List<UserProperty> properties) {
        if (properties == null || properties.isEmpty()) {
            return null;
        }
        List<List<String>> pairs = new ArrayList<>(properties.size());
        for (UserProperty p : properties) {
            pairs.add(List.of(p.name(), p.value()));
        }
        return Json.write(pairs);
    }
}
