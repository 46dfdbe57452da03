package io.mqttbridge.db.store;

import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;
import io.mqttbridge.db.internal.TopicFilterSql;
import io.mqttbridge.db.store.internal.BrokerStateJson;
import io.mqttbridge.db.store.internal.CoalescingWriter;
import io.mqttbridge.db.store.internal.StoreThreads;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retained messages in the {@code retained_messages} table, one row per topic, shared by every broker
 * node on the database.
 *
 * <p>Never blocks its caller: puts go to one writer thread that applies them in call order, the
 * latest per topic when several are queued together; {@link #matching} runs on a reader thread
 * after every put submitted before it, so a subscriber sees what was retained before it subscribed.
 * An exact filter is a primary-key lookup; a wildcard filter is a range scan on the literal prefix
 * before its first wildcard plus a regular expression for the exact MQTT match. Messages whose
 * MQTT 5 expiry interval has passed are not returned, and are deleted by {@link #purgeExpired}.
 *
 * <p>{@link #close()} applies the puts still queued and stops the threads; call it after
 * {@code MqttBroker.stop()} and before closing the database.
 */
public final class JdbiRetainedStore implements RetainedStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JdbiRetainedStore.class);
    private static final int READER_THREADS = 2;
    /*
     * Other nodes store and clear retained messages in the same table: this node's running count
     * drifted (a node that cleared what another stored counted below zero), so the count is taken
     * again when read this long after the last time.
     */
    private static final long RECOUNT_MILLIS = 30_000;
    private static final String COLUMNS =
            "topic, payload, qos, properties, client_id, username, protocol_version, received_at";

    private final Jdbi jdbi;
    private final Clock clock;
    private final CoalescingWriter<String, PublishedMessage> writer;
    private final ExecutorService reader;
    private final AtomicLong size = new AtomicLong();
    private final AtomicBoolean recounting = new AtomicBoolean();
    private volatile long countedAtMillis;

    /** @param jdbi the database ({@code Database.jdbi()}), migrated */
    public JdbiRetainedStore(Jdbi jdbi) {
        this(jdbi, Clock.systemUTC());
    }

    /** @param clock decides which messages have expired */
    public JdbiRetainedStore(Jdbi jdbi, Clock clock) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.writer = new CoalescingWriter<>("retained-store-writer", this::apply);
        this.reader = StoreThreads.reader("retained-store-reader", READER_THREADS);
        purgeExpired().whenComplete((deleted, error) -> {
            if (error != null) {
                LOG.warn("retained store could not purge expired messages and count the rest", error);
            }
        });
    }

    @Override
    public CompletableFuture<Void> put(PublishedMessage message) {
        return writer.submit(message.topic(), message.payload().length == 0 ? null : message);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Completes exceptionally with {@link IllegalArgumentException} for an invalid or shared filter.
     */
    @Override
    public CompletableFuture<List<PublishedMessage>> matching(String topicFilter) {
        MatchingQuery query;
        try {
            query = MatchingQuery.of(topicFilter);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return writer.barrier().thenApplyAsync(ignored -> jdbi.withHandle(h -> h.createQuery(query.sql())
                .bindMap(query.binds())
                .bind("now", clock.instant().atOffset(ZoneOffset.UTC))
                .map((rs, ctx) -> message(rs))
                .list()), reader);
    }

    /** One page in topic order, read alone: a keyset scan ({@code topic > :after}) with a LIMIT. */
    @Override
    public CompletableFuture<List<PublishedMessage>> matchingPage(String topicFilter, String afterTopic, int limit) {
        MatchingQuery query;
        try {
            query = MatchingQuery.of(topicFilter);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        String sql = query.pageSql(afterTopic != null);
        return writer.barrier().thenApplyAsync(ignored -> jdbi.withHandle(h -> {
            var select = h.createQuery(sql)
                    .bindMap(query.binds())
                    .bind("now", clock.instant().atOffset(ZoneOffset.UTC))
                    .bind("limit", limit);
            if (afterTopic != null) {
                select.bind("after", afterTopic);
            }
            return select.map((rs, ctx) -> message(rs)).list();
        }), reader);
    }

    /** The SELECT of {@link #matching} (with a {@code :now} parameter still to bind). */
    record MatchingQuery(String selectWhere, Map<String, Object> binds) {

        /** Every matching message, in topic order. */
        String sql() {
            return selectWhere + " ORDER BY topic";
        }

        /** One page in topic order: after {@code :after} when {@code afterATopic}, at most {@code :limit}. */
        String pageSql(boolean afterATopic) {
            return selectWhere + (afterATopic ? " AND topic > :after" : "") + " ORDER BY topic LIMIT :limit";
        }

        /** @throws IllegalArgumentException for an invalid or shared filter, naming it */
        static MatchingQuery of(String topicFilter) {
            if (topicFilter.startsWith("$share/")) {
                throw new IllegalArgumentException("retained messages are not sent for the shared subscription '"
                        + topicFilter + "'");
            }
            TopicFilterSql.Predicate predicate = TopicFilterSql.of("topic", topicFilter, "f");
            return new MatchingQuery("SELECT " + COLUMNS + " FROM retained_messages WHERE "
                    + String.join(" AND ", predicate.clauses())
                    + " AND (expires_at IS NULL OR expires_at > :now)", predicate.binds());
        }
    }

    /**
     * The number of stored topics, expired ones included until purged: counted at start, kept up to
     * date by this node's puts, and counted again in the table (the other nodes' puts included) when
     * read 30 s or more after the last count. Never below zero.
     */
    @Override
    public long size() {
        if (clock.millis() - countedAtMillis >= RECOUNT_MILLIS && recounting.compareAndSet(false, true)) {
            countedAtMillis = clock.millis();
            writer.run(() -> {
                size.set(jdbi.withHandle(this::count));
                return null;
            }).whenComplete((ignored, error) -> recounting.set(false));
        }
        return Math.max(0, size.get());
    }

    private long count(Handle h) {
        return h.createQuery("SELECT count(*) FROM retained_messages").mapTo(Long.class).one();
    }

    /**
     * Deletes the expired messages and recounts the stored topics, in order with the puts (so the
     * count cannot race with them); the application may call it periodically.
     *
     * @return the number of messages deleted
     */
    public CompletableFuture<Integer> purgeExpired() {
        return writer.run(() -> jdbi.inTransaction(h -> {
            int deleted = h.createUpdate("DELETE FROM retained_messages WHERE expires_at <= :now")
                    .bind("now", clock.instant().atOffset(ZoneOffset.UTC))
                    .execute();
            size.set(count(h));
            countedAtMillis = clock.millis();
            return deleted;
        }));
    }

    /** Applies the queued puts (waiting up to 30 s) and stops the store's threads. */
    @Override
    public void close() {
        writer.close();
        reader.shutdown();
    }

    private void apply(Map<String, PublishedMessage> latest) {
        List<String> cleared = new ArrayList<>();
        List<PublishedMessage> stored = new ArrayList<>();
        latest.forEach((topic, message) -> {
            if (message == null) {
                cleared.add(topic);
            } else {
                stored.add(message);
            }
        });
        long[] delta = new long[1];
        jdbi.useTransaction(h -> {
            delta[0] = 0;
            if (!cleared.isEmpty()) {
                delta[0] -= h.createUpdate("DELETE FROM retained_messages WHERE topic = ANY(:topics)")
                        .bindArray("topics", String.class, cleared)
                        .execute();
            }
            if (!stored.isEmpty()) {
                delta[0] += upsert(h, stored);
            }
        });
        size.addAndGet(delta[0]);
    }

    /** @return how many topics are new */
    private long upsert(Handle h, List<PublishedMessage> messages) {
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO retained_messages (topic, payload, qos, properties, client_id, username, protocol_version,
                    received_at, expires_at, stored_at)
                VALUES (:topic, :payload, :qos, CAST(:properties AS jsonb), :clientId, :username, :protocolVersion,
                    :receivedAt, :expiresAt, now())
                ON CONFLICT (topic) DO UPDATE SET
                    payload = EXCLUDED.payload,
                    qos = EXCLUDED.qos,
                    properties = EXCLUDED.properties,
                    client_id = EXCLUDED.client_id,
                    username = EXCLUDED.username,
                    protocol_version = EXCLUDED.protocol_version,
                    received_at = EXCLUDED.received_at,
                    expires_at = EXCLUDED.expires_at,
                    stored_at = EXCLUDED.stored_at
                RETURNING (xmax = 0) AS inserted""");
        for (PublishedMessage m : messages) {
            Long expiry = m.properties().messageExpiryIntervalSeconds();
            batch.bind("topic", m.topic())
                    .bind("payload", m.payload())
                    .bind("qos", (short) m.qos())
                    .bind("properties", BrokerStateJson.writeProperties(m.properties()))
                    .bind("clientId", m.clientId())
                    .bind("username", m.username())
                    .bind("protocolVersion", m.protocolVersion() == null ? null : (short) m.protocolVersion().protocolLevel())
                    .bind("receivedAt", m.receivedAt().atOffset(ZoneOffset.UTC))
                    .bind("expiresAt", expiry == null ? null : m.receivedAt().plusSeconds(expiry).atOffset(ZoneOffset.UTC))
                    .add();
        }
        return batch.executePreparedBatch("inserted").mapTo(Boolean.class).stream().filter(Boolean::booleanValue).count();
    }

    private static PublishedMessage message(ResultSet rs) throws SQLException {
        short level = rs.getShort("protocol_version");
        MqttVersion version = rs.wasNull() ? null : MqttVersion.ofProtocolLevel(level);
        Instant receivedAt = rs.getObject("received_at", OffsetDateTime.class).toInstant();
        return new PublishedMessage(rs.getString("topic"), rs.getBytes("payload"), rs.getShort("qos"), true,
                rs.getString("client_id"), rs.getString("username"), version, receivedAt,
                BrokerStateJson.readProperties(rs.getString("properties")));
    }
}
