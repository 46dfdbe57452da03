package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.SessionStore.ClientMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The messages being recovered from a dead node's sessions, in {@code broker_recovery_messages}:
 * moved there out of {@code broker_session_messages} by the survivor that won a recovery round,
 * taken again (re-tagged) by the next round when that survivor died before handing them over, and
 * deleted by the round that handed them over. So a take loses nothing when its survivor dies.
 *
 * <p>Stateless; every method runs on the caller's handle, in its transaction (the store's reader
 * thread: it blocks on the database).
 */
public final class RecoveryMessageRows {

    private RecoveryMessageRows() {
    }

    /**
     * Moves the messages of {@code clientIds} (sessions of {@code node}) for {@code sharedGroups} that
     * are not past PUBREC out of their sessions, into the messages {@code round} recovers. The caller
     * holds the locks of those sessions' state rows.
     */
    public static void moveShared(Handle h, String node, String round, List<String> clientIds,
            Collection<String> sharedGroups) {
        h.createUpdate("""
                        WITH taken AS (
                            DELETE FROM broker_session_messages
                             WHERE client_id = ANY(:ids) AND shared_group = ANY(:groups) AND NOT released
                            RETURNING *)
                        INSERT INTO broker_recovery_messages (dead_node, round, client_id, sequence, qos, packet_id,
                            released, subscription_ids, message, message_digest, shared_group, stored_at)
                        SELECT :node, :round, client_id, sequence, qos, packet_id, released, subscription_ids, message,
                               message_digest, shared_group, stored_at
                          FROM taken
                         ORDER BY client_id, sequence""")
                .bind("node", node)
                .bind("round", round)
                .bindArray("ids", String.class, clientIds)
                .bindArray("groups", String.class, List.copyOf(sharedGroups))
                .execute();
    }

    /**
     * Tags every message being recovered from {@code node} with {@code round} (those of earlier
     * rounds, whose survivors died, included) and returns them by client id and sequence.
     */
    public static List<ClientMessage> takeAll(Handle h, String node, String round) {
        List<Map.Entry<String, SessionMessageReads.Row>> rows = h.createQuery("""
                        UPDATE broker_recovery_messages SET round = :round
                         WHERE dead_node = :node
                        RETURNING *""")
                .bind("node", node)
                .bind("round", round)
                .map((rs, ctx) -> Map.entry(rs.getString("client_id"), SessionMessageReads.row(rs)))
                .list();
        SharedMessages shared = new SharedMessages();
        StoredMessageRows.read(h, rows.stream().map(e -> e.getValue().digest()).toList(), shared);
        List<ClientMessage> taken = new ArrayList<>(rows.size());
        rows.forEach(e -> taken.add(new ClientMessage(e.getKey(), e.getValue().message(shared))));
        taken.sort(Comparator.comparing(ClientMessage::clientId).thenComparingLong(m -> m.message().sequence()));
        return taken;
    }

    /**
     * Deletes the messages {@code round} recovered from {@code node}: they were handed over.
     *
     * @return the digests of the stored messages the deleted rows referred to, for
     *     {@link StoredMessageRows#forgetUnreferenced} once this committed
     */
    public static List<byte[]> forget(Handle h, String node, String round) {
        return h.createQuery("""
                        DELETE FROM broker_recovery_messages WHERE dead_node = :node AND round = :round
                        RETURNING message_digest""")
                .bind("node", node)
                .bind("round", round)
                .mapTo(byte[].class)
                .list();
    }
}
