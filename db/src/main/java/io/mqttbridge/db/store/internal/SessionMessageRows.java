package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The sessions' queued messages in {@code broker_session_messages}, one row per message keyed by
 * client id and sequence: appended and acknowledged one by one, replaced as a whole by a session's
 * snapshot, and the shared-group ones moved to {@link RecoveryMessageRows} when their node is gone.
 *
 * <p>Stateless; every method runs on the caller's handle, in its transaction (the store's writer or
 * reader thread: it blocks on the database).
 */
public final class SessionMessageRows {

    /* Rows the driver holds at once when reading in a transaction (a row can be a few hundred KB). */
    private static final int FETCH_ROWS = 64;

    private SessionMessageRows() {
    }

    /** Inserts or replaces {@code messages}, each with its client id. */
    public static void upsert(Handle h, List<Map.Entry<String, PendingMessage>> messages) {
        if (messages.isEmpty()) {
            return;
        }
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO broker_session_messages (client_id, sequence, qos, packet_id, released, subscription_ids,
                    message, shared_group, stored_at)
                VALUES (:client, :sequence, :qos, :packetId, :released, :subscriptionIds, CAST(:message AS jsonb),
                    :sharedGroup, now())
                ON CONFLICT (client_id, sequence) DO UPDATE SET
                    shared_group = EXCLUDED.shared_group,
                    qos = EXCLUDED.qos,
                    packet_id = EXCLUDED.packet_id,
                    released = EXCLUDED.released,
                    subscription_ids = EXCLUDED.subscription_ids,
                    message = EXCLUDED.message,
                    stored_at = EXCLUDED.stored_at""");
        for (Map.Entry<String, PendingMessage> entry : messages) {
            PendingMessage m = entry.getValue();
            batch.bind("client", entry.getKey())
                    .bind("sequence", m.sequence())
                    .bind("qos", m.qos())
                    .bind("packetId", m.packetId())
                    .bind("released", m.released())
                    .bindArray("subscriptionIds", Integer.class, m.subscriptionIdentifiers())
                    .bind("message", BrokerStateJson.writeMessage(m.message()))
                    .bind("sharedGroup", m.sharedGroup())
                    .add();
        }
        batch.execute();
    }

    /** Makes each of {@code snapshots}' queued messages exactly its pending ones: deletes the others, writes these. */
    public static void replace(Handle h, List<SessionSnapshot> snapshots) {
        PreparedBatch others = h.prepareBatch("""
                DELETE FROM broker_session_messages
                 WHERE client_id = :client AND sequence <> ALL(:kept)""");
        List<Map.Entry<String, PendingMessage>> messages = new ArrayList<>();
        for (SessionSnapshot s : snapshots) {
            others.bind("client", s.clientId())
                    .bindArray("kept", Long.class, s.pending().stream().map(PendingMessage::sequence).toList())
                    .add();
            s.pending().forEach(m -> messages.add(Map.entry(s.clientId(), m)));
        }
        others.execute();
        upsert(h, messages);
    }

    /** Deletes the acknowledged {@code messages}. */
    public static void acknowledge(Handle h, Collection<SessionWrite.Message> messages) {
        PreparedBatch batch = h.prepareBatch(
                "DELETE FROM broker_session_messages WHERE client_id = :client AND sequence = :sequence");
        for (SessionWrite.Message key : messages) {
            batch.bind("client", key.clientId()).bind("sequence", key.sequence()).add();
        }
        batch.execute();
    }

    /** Deletes every message of {@code clientIds}. */
    public static void deleteAll(Handle h, List<String> clientIds) {
        h.createUpdate("DELETE FROM broker_session_messages WHERE client_id = ANY(:ids)")
                .bindArray("ids", String.class, clientIds)
                .execute();
    }

    /**
     * The messages of {@code clientIds} by client id, each list in sequence order; absent: none. Each
     * message is {@linkplain SharedMessages#share shared} with equal ones read before. In a
     * transaction, the rows come {@value #FETCH_ROWS} at a time: the text of a whole page of
     * sessions' messages, a copy per session, need not fit in memory at once.
     */
    public static Map<String, List<PendingMessage>> byClient(Handle h, List<String> clientIds, SharedMessages shared) {
        Map<String, List<PendingMessage>> byClient = new HashMap<>();
        h.createQuery("""
                        SELECT * FROM broker_session_messages
                         WHERE client_id = ANY(:ids)
                         ORDER BY client_id, sequence""")
                .bindArray("ids", String.class, clientIds)
                .setFetchSize(FETCH_ROWS)
                .map((rs, ctx) -> Map.entry(rs.getString("client_id"), message(rs, shared)))
                .forEach(e -> byClient.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        return byClient;
    }

    /** The message of a row of this table or of {@code broker_recovery_messages}, which has the same columns. */
    static PendingMessage message(ResultSet rs, SharedMessages shared) throws SQLException {
        PublishedMessage message = shared.share(BrokerStateJson.readMessage(rs.getString("message")));
        Array ids = rs.getArray("subscription_ids");
        List<Integer> subscriptionIds = new ArrayList<>();
        for (Integer id : (Integer[]) ids.getArray()) {
            subscriptionIds.add(id);
        }
        return new PendingMessage(message, rs.getInt("qos"), rs.getInt("packet_id"), rs.getBoolean("released"),
                subscriptionIds, rs.getLong("sequence"), rs.getString("shared_group"));
    }
}
