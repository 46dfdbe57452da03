package io.mqttbridge.db.store;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.db.store.internal.BrokerStateJson;
import io.mqttbridge.db.store.internal.CoalescingWriter;
import io.mqttbridge.db.store.internal.StoreThreads;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The broker's persistent sessions in the {@code broker_session_state} table, one row per client id
 * of this broker node.
 *
 * <p>Never blocks its caller: saves and removals go to one writer thread that applies them in call
 * order (so a late save never overwrites a newer removal) and coalesces the ones queued together;
 * {@link #loadAll} runs on a reader thread after every write submitted before it. Several nodes may
 * share the database: each loads and writes only the rows of its own {@code nodeId}.
 *
 * <p>{@link #close()} applies the writes still queued (the broker's stop submits a snapshot of every
 * session without waiting for it) and stops the threads; call it after {@code MqttBroker.stop()}
 * and before closing the database.
 */
public final class JdbiSessionStore implements SessionStore, AutoCloseable {

    private final Jdbi jdbi;
    private final String nodeId;
    private final CoalescingWriter<String, SessionSnapshot> writer;
    private final ExecutorService reader;

    /**
     * @param jdbi the database ({@code Database.jdbi()}), migrated
     * @param nodeId the broker node whose sessions this store holds; must stay the same across restarts
     * @throws IllegalArgumentException when {@code nodeId} is blank
     */
    public JdbiSessionStore(Jdbi jdbi, String nodeId) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("nodeId must not be blank: the session store keeps the sessions of one node");
        }
        this.nodeId = nodeId;
        this.writer = new CoalescingWriter<>("session-store-writer", this::apply);
        this.reader = StoreThreads.reader("session-store-reader", 1);
    }

    @Override
    public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
        return writer.barrier().thenApplyAsync(ignored -> jdbi.withHandle(h -> h.createQuery(
                        "SELECT * FROM broker_session_state WHERE node_id = :node ORDER BY client_id")
                .bind("node", nodeId)
                .map((rs, ctx) -> snapshot(rs))
                .list()), reader);
    }

    @Override
    public CompletableFuture<Void> save(SessionSnapshot snapshot) {
        return writer.submit(snapshot.clientId(), snapshot);
    }

    @Override
    public CompletableFuture<Void> remove(String clientId) {
        return writer.submit(clientId, null);
    }

    /** Applies the queued writes (waiting up to 30 s) and stops the store's threads. */
    @Override
    public void close() {
        writer.close();
        reader.shutdown();
    }

    private void apply(Map<String, SessionSnapshot> latest) {
        List<String> removed = new ArrayList<>();
        List<SessionSnapshot> saved = new ArrayList<>();
        latest.forEach((clientId, snapshot) -> {
            if (snapshot == null) {
                removed.add(clientId);
            } else {
                saved.add(snapshot);
            }
        });
        jdbi.useTransaction(h -> {
            if (!removed.isEmpty()) {
                h.createUpdate("DELETE FROM broker_session_state WHERE node_id = :node AND client_id = ANY(:ids)")
                        .bind("node", nodeId)
                        .bindArray("ids", String.class, removed)
                        .execute();
            }
            if (!saved.isEmpty()) {
                upsert(h, saved);
            }
        });
    }

    private void upsert(Handle h, List<SessionSnapshot> snapshots) {
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO broker_session_state (node_id, client_id, session_expiry_seconds, disconnected_at,
                    subscriptions, pending, saved_at)
                VALUES (:node, :client, :expiry, :disconnectedAt, CAST(:subscriptions AS jsonb),
                    CAST(:pending AS jsonb), now())
                ON CONFLICT (node_id, client_id) DO UPDATE SET
                    session_expiry_seconds = EXCLUDED.session_expiry_seconds,
                    disconnected_at = EXCLUDED.disconnected_at,
                    subscriptions = EXCLUDED.subscriptions,
                    pending = EXCLUDED.pending,
                    saved_at = EXCLUDED.saved_at""");
        for (SessionSnapshot s : snapshots) {
            batch.bind("node", nodeId)
                    .bind("client", s.clientId())
                    .bind("expiry", s.sessionExpirySeconds())
                    .bind("disconnectedAt", s.disconnectedAt() == null ? null : s.disconnectedAt().atOffset(ZoneOffset.UTC))
                    .bind("subscriptions", BrokerStateJson.writeSubscriptions(s.subscriptions()))
                    .bind("pending", BrokerStateJson.writePending(s.pending()))
                    .add();
        }
        batch.execute();
    }

    private static SessionSnapshot snapshot(ResultSet rs) throws SQLException {
        OffsetDateTime disconnectedAt = rs.getObject("disconnected_at", OffsetDateTime.class);
        Instant disconnected = disconnectedAt == null ? null : disconnectedAt.toInstant();
        return new SessionSnapshot(rs.getString("client_id"), rs.getLong("session_expiry_seconds"), disconnected,
                BrokerStateJson.readSubscriptions(rs.getString("subscriptions")),
                BrokerStateJson.readPending(rs.getString("pending")));
    }
}
