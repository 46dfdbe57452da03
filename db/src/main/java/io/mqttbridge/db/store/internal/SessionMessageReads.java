package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredOnlyMessage;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The reads of {@code broker_session_messages} ({@link SessionMessageRows} writes it): a page of
 * sessions' messages at start-up (all of them, or their content while a {@link MessageBudget} lasts),
 * one session's for a take-over, and a range of one session's for reading back what it spilled. A row
 * that holds its message is decoded as it arrives; a row that refers to a stored message gets it from
 * {@link StoredMessageRows}, read once per {@link SharedMessages}.
 *
 * <p>Stateless; every method runs on the caller's handle, in its transaction (the store's reader
 * thread: it blocks on the database).
 */
public final class SessionMessageReads {

    /* Rows the driver holds at once when reading in a transaction (a row can be a few hundred KB). */
    private static final int FETCH_ROWS = 64;

    private SessionMessageReads() {
    }

    /**
     * The messages of {@code clientIds} by client id, each list in sequence order; absent: none. A
     * stored message's content is read once per {@code shared} (one object for every session holding it).
     * In a transaction, the rows come {@value #FETCH_ROWS} at a time.
     */
    public static Map<String, List<PendingMessage>> byClient(Handle h, List<String> clientIds, SharedMessages shared) {
        return decoded(h, h.createQuery("""
                        SELECT * FROM broker_session_messages
                         WHERE client_id = ANY(:ids)
                         ORDER BY client_id, sequence""")
                .bindArray("ids", String.class, clientIds), shared);
    }

    /** What a load with a {@link MessageBudget} read: the messages read, and those left in the store. */
    public record Loaded(Map<String, List<PendingMessage>> pending, Map<String, List<StoredOnlyMessage>> storedOnly) {
    }

    /**
     * {@link #byClient(Handle, List, SharedMessages)} reading the content of the queued messages only
     * while {@code budget} lasts; the others (never sent, not of a shared subscription) are left in the
     * store and listed with their size. Their size is read first, without their content.
     */
    public static Loaded byClient(Handle h, List<String> clientIds, SharedMessages shared, MessageBudget budget) {
        if (budget.unlimited()) {
            return new Loaded(byClient(h, clientIds, shared), Map.of());
        }
        List<String> readClients = new ArrayList<>();
        List<Long> readSequences = new ArrayList<>();
        Map<String, List<StoredOnlyMessage>> storedOnly = new HashMap<>();
        h.createQuery("""
                        SELECT s.client_id, s.sequence, s.packet_id, s.shared_group, s.message_digest,
                               COALESCE(octet_length(c.message ->> 'payload') * 3 / 4, 0)
                                 + COALESCE(octet_length(c.message ->> 'topic'), 0) AS bytes
                          FROM broker_session_messages s
                          LEFT JOIN broker_stored_messages m ON m.digest = s.message_digest
                          CROSS JOIN LATERAL (SELECT COALESCE(s.message, m.message) AS message) c
                         WHERE s.client_id = ANY(:ids)
                         ORDER BY s.client_id, s.sequence""")
                .bindArray("ids", String.class, clientIds)
                .setFetchSize(1_000)
                .map((rs, ctx) -> {
                    String client = rs.getString("client_id");
                    long sequence = rs.getLong("sequence");
                    boolean mustRead = rs.getInt("packet_id") > 0 || rs.getString("shared_group") != null;
                    if (mustRead || budget.take(rs.getLong("bytes"), rs.getBytes("message_digest"))) {
                        readClients.add(client);
                        readSequences.add(sequence);
                    } else {
                        storedOnly.computeIfAbsent(client, k -> new ArrayList<>())
                                .add(new StoredOnlyMessage(sequence, (int) Math.min(Integer.MAX_VALUE, rs.getLong("bytes"))));
                    }
                    return sequence;
                })
                .forEach(sequence -> { });
        Map<String, List<PendingMessage>> pending = readClients.isEmpty() ? Map.of() : decoded(h, h.createQuery("""
                        SELECT s.* FROM broker_session_messages s
                          JOIN unnest(CAST(:clients AS text[]), CAST(:sequences AS bigint[])) AS k(client_id, sequence)
                               USING (client_id, sequence)
                         ORDER BY s.client_id, s.sequence""")
                .bindArray("clients", String.class, readClients)
                .bindArray("sequences", Long.class, readSequences), shared);
        return new Loaded(pending, storedOnly);
    }

    /* The rows {@code query} selects, by client id in its order, decoded as they arrive. */
    private static Map<String, List<PendingMessage>> decoded(Handle h, Query query, SharedMessages shared) {
        // A row that holds its message is decoded as it arrives: the text (a third larger than the
        // payload it carries) of every row at once took more than twice the heap of the messages, and a
        // node whose sessions held its heap bound of messages could not start again.
        List<Map.Entry<String, Object>> rows = query
                .setFetchSize(FETCH_ROWS)
                .map((rs, ctx) -> {
                    Row row = row(rs);
                    Object decodedOrNot = row.json() != null ? row.message(shared) : row;
                    return Map.entry(rs.getString("client_id"), decodedOrNot);
                })
                .list();
        List<byte[]> digests = new ArrayList<>();
        for (Map.Entry<String, Object> e : rows) {
            if (e.getValue() instanceof Row row) {
                digests.add(row.digest());
            }
        }
        StoredMessageRows.read(h, digests, shared);
        Map<String, List<PendingMessage>> byClient = new HashMap<>();
        for (Map.Entry<String, Object> e : rows) {
            PendingMessage message = e.getValue() instanceof Row row ? row.message(shared) : (PendingMessage) e.getValue();
            byClient.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(message);
        }
        return byClient;
    }

    /**
     * The messages of {@code clientId} with sequences from {@code from} to {@code to}, in sequence order.
     */
    public static List<PendingMessage> range(Handle h, String clientId, long from, long to) {
        List<Row> rows = h.createQuery("""
                        SELECT * FROM broker_session_messages
                         WHERE client_id = :id AND sequence BETWEEN :from AND :to
                         ORDER BY sequence""")
                .bind("id", clientId)
                .bind("from", from)
                .bind("to", to)
                .setFetchSize(FETCH_ROWS)
                .map((rs, ctx) -> row(rs))
                .list();
        SharedMessages shared = new SharedMessages();
        StoredMessageRows.read(h, rows.stream().map(Row::digest).toList(), shared);
        List<PendingMessage> messages = new ArrayList<>(rows.size());
        for (Row row : rows) {
            messages.add(row.message(shared));
        }
        return messages;
    }

    /**
     * A row of this table or of {@code broker_recovery_messages} (which has the same columns): its
     * message's JSON, or the digest of the stored message it refers to ({@linkplain StoredMessageRows#read
     * read} before {@link #message}).
     */
    record Row(String json, byte[] digest, int qos, int packetId, boolean released, List<Integer> subscriptionIds,
            long sequence, String sharedGroup) {

        /**
         * The pending message, its content from the row or, when it refers to a stored one, from
         * {@code shared}. Equal messages in rows of their own (written for one session at a time)
         * are shared too, with each other and with a stored one, by the digest of the text read.
         */
        PendingMessage message(SharedMessages shared) {
            PublishedMessage message;
            if (json != null) {
                message = StoredMessageRows.decodedOnce(json, shared);
            } else {
                message = shared.get(digest);
            }
            if (message == null) {
                throw new IllegalStateException("a queued message refers to a stored message that is not there");
            }
            return new PendingMessage(message, qos, packetId, released, subscriptionIds, sequence, sharedGroup);
        }
    }

    static Row row(ResultSet rs) throws SQLException {
        Array ids = rs.getArray("subscription_ids");
        List<Integer> subscriptionIds = new ArrayList<>();
        for (Integer id : (Integer[]) ids.getArray()) {
            subscriptionIds.add(id);
        }
        return new Row(rs.getString("message"), rs.getBytes("message_digest"), rs.getInt("qos"), rs.getInt("packet_id"),
                rs.getBoolean("released"), subscriptionIds, rs.getLong("sequence"), rs.getString("shared_group"));
    }
}
