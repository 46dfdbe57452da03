package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.SessionSnapshot;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * The sessions' rows in {@code broker_session_state}: one per client id, with its subscriptions and
 * the node that owns it (saved it last, or took it over). The state rows are also the locks that
 * order a take-over with the previous owner's {@link SessionMessageRows#takeShared}. Read without
 * the session's messages and inbound QoS 2 packet ids ({@link StoredSessions} adds those).
 *
 * <p>Stateless; every method runs on the caller's handle, in its transaction (the store's writer or
 * reader thread: it blocks on the database).
 */
public final class SessionStateRows {

    private SessionStateRows() {
    }

    /** Saves {@code snapshots}' states (not their messages) as owned by {@code nodeId}. */
    public static void upsert(Handle h, String nodeId, List<SessionSnapshot> snapshots) {
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO broker_session_state (node_id, client_id, session_expiry_seconds, disconnected_at,
                    subscriptions, owner, saved_at)
                VALUES (:node, :client, :expiry, :disconnectedAt, CAST(:subscriptions AS jsonb), :owner, now())
                ON CONFLICT (client_id) DO UPDATE SET
                    node_id = EXCLUDED.node_id,
                    owner = EXCLUDED.owner,
                    session_expiry_seconds = EXCLUDED.session_expiry_seconds,
                    disconnected_at = EXCLUDED.disconnected_at,
                    subscriptions = EXCLUDED.subscriptions,
                    saved_at = EXCLUDED.saved_at""");
        for (SessionSnapshot s : snapshots) {
            batch.bind("node", nodeId)
                    .bind("client", s.clientId())
                    .bind("expiry", s.sessionExpirySeconds())
                    .bind("disconnectedAt", s.disconnectedAt() == null ? null : s.disconnectedAt().atOffset(ZoneOffset.UTC))
                    .bind("subscriptions", BrokerStateJson.writeSubscriptions(s.subscriptions()))
                    .bind("owner", s.owner())
                    .add();
        }
        batch.execute();
    }

    /** Deletes the state rows of {@code clientIds}. */
    public static void delete(Handle h, List<String> clientIds) {
        h.createUpdate("DELETE FROM broker_session_state WHERE client_id = ANY(:ids)")
                .bindArray("ids", String.class, clientIds)
                .execute();
    }

    /**
     * The states {@code nodeId} owns with a client id after {@code after} ({@code null}: from the
     * first), at most {@code limit}, in client id order (keyset pagination).
     */
    public static List<SessionSnapshot> pageOwnedBy(Handle h, String nodeId, String after, int limit) {
        Query query = h.createQuery("SELECT * FROM broker_session_state WHERE node_id = :node"
                        + (after == null ? "" : " AND client_id > :after")
                        + " ORDER BY client_id LIMIT :limit")
                .bind("node", nodeId)
                .bind("limit", limit);
        if (after != null) {
            query.bind("after", after);
        }
        return query.map((rs, ctx) -> state(rs)).list();
    }

    /** The state of {@code clientId}: none or one. */
    public static List<SessionSnapshot> of(Handle h, String clientId) {
        return h.createQuery("SELECT * FROM broker_session_state WHERE client_id = :client")
                .bind("client", clientId)
                .map((rs, ctx) -> state(rs))
                .list();
    }

    /** The identity {@code clientId}'s stored session belongs to; empty without a state row or an owner. */
    public static Optional<String> ownerOf(Handle h, String clientId) {
        return h.createQuery("SELECT owner FROM broker_session_state WHERE client_id = :client")
                .bind("client", clientId)
                .mapTo(String.class)
                .list().stream().filter(Objects::nonNull).findFirst();
    }

    /** Makes {@code nodeId} the owner of {@code clientId}'s state row (locking it until commit). */
    public static void hold(Handle h, String nodeId, String clientId) {
        h.createUpdate("UPDATE broker_session_state SET node_id = :node WHERE client_id = :client")
                .bind("node", nodeId)
                .bind("client", clientId)
                .execute();
    }

    /** Locks the state rows {@code nodeId} owns (until commit) and returns their client ids, in order. */
    public static List<String> lockOwnedBy(Handle h, String nodeId) {
        return h.createQuery("""
                        SELECT client_id FROM broker_session_state WHERE node_id = :node
                         ORDER BY client_id FOR UPDATE""")
                .bind("node", nodeId)
                .mapTo(String.class)
                .list();
    }

    private static SessionSnapshot state(ResultSet rs) throws SQLException {
        OffsetDateTime disconnectedAt = rs.getObject("disconnected_at", OffsetDateTime.class);
        Instant disconnected = disconnectedAt == null ? null : disconnectedAt.toInstant();
        return new SessionSnapshot(rs.getString("client_id"), rs.getLong("session_expiry_seconds"), disconnected,
                BrokerStateJson.readSubscriptions(rs.getString("subscriptions")), List.of(), rs.getString("owner"));
    }
}
