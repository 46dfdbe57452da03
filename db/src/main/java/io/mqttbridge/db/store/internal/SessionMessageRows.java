package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import org.jdbi.v3.core.Handle;

/**
 * The sessions' queued messages in {@code broker_session_messages}, one row per message keyed by
 * client id and sequence, referring to the message's content in {@link StoredMessageRows}: appended
 * and acknowledged one by one, replaced as a whole by a session's snapshot (read back by {@link
 * SessionMessageReads}), and the shared-group ones
 * moved to {@link RecoveryMessageRows} when their node is gone. The deletions return the digests
 * their rows referred to, for the caller to {@linkplain StoredMessageRows#forgetUnreferenced forget}
 * those nothing refers to any more once its writes are done.
 *
 * <p>Stateless; every method runs on the caller's handle, in its transaction (the store's writer or
 * reader thread: it blocks on the database).
 */
public final class SessionMessageRows {

    private SessionMessageRows() {
    }

    /**
     * Inserts or replaces {@code messages}, each with its client id (of several with one client id
     * and sequence, the last), in one statement per 10,000 rows or 32 MB of messages; the content of
     * those several of them share is {@linkplain StoredMessageRows#store stored} once, and their rows
     * refer to it.
     */
    public static void upsert(Handle h, List<Map.Entry<String, PendingMessage>> messages) {
        if (messages.isEmpty()) {
            return;
        }
        Map<SessionWrite.Message, Map.Entry<String, PendingMessage>> byKey = new LinkedHashMap<>();
        for (Map.Entry<String, PendingMessage> entry : messages) {
            byKey.put(new SessionWrite.Message(entry.getKey(), entry.getValue().sequence()), entry);
        }
        // Encoded a part at a time: a node's stop saves every session's messages in one batch, and their
        // text at once took more than the heap that held the messages (the stop ran out of memory).
        for (List<Map.Entry<String, PendingMessage>> part : parts(byKey.values())) {
            Map<PublishedMessage, StoredMessageRows.Content> contents = StoredMessageRows.store(h,
                    part.stream().map(entry -> entry.getValue().message()).toList());
            Columns rows = new Columns();
            for (Map.Entry<String, PendingMessage> entry : part) {
                rows.add(entry.getKey(), entry.getValue(), contents.get(entry.getValue().message()));
            }
            insert(h, rows);
        }
    }

    /**
     * {@code messages} cut, in their order, into parts of at most {@link Columns#ROWS_PER_STATEMENT} rows
     * whose distinct messages take about {@link Columns#TEXT_PER_STATEMENT} characters of text at most (a
     * message several rows hold counts once in a part, so it stays stored once).
     */
    static List<List<Map.Entry<String, PendingMessage>>> parts(Collection<Map.Entry<String, PendingMessage>> messages) {
        List<List<Map.Entry<String, PendingMessage>>> parts = new ArrayList<>();
        List<Map.Entry<String, PendingMessage>> part = new ArrayList<>();
        Set<PublishedMessage> inPart = Collections.newSetFromMap(new IdentityHashMap<>());
        long text = 0;
        for (Map.Entry<String, PendingMessage> entry : messages) {
            PublishedMessage message = entry.getValue().message();
            long more = inPart.contains(message) ? 0 : estimatedText(message);
            if (!part.isEmpty() && (part.size() >= Columns.ROWS_PER_STATEMENT || text + more > Columns.TEXT_PER_STATEMENT)) {
                parts.add(part);
                part = new ArrayList<>();
                inPart.clear();
                text = 0;
                more = estimatedText(message);
            }
            part.add(entry);
            inPart.add(message);
            text += more;
        }
        if (!part.isEmpty()) {
            parts.add(part);
        }
        return parts;
    }

    /* The payload goes as base64 (4 characters for 3 bytes); the rest is the topic and the properties. */
    private static long estimatedText(PublishedMessage message) {
        return message.payload().length * 4L / 3 + message.topic().length() + 512;
    }

    /** Inserts or replaces {@code rows} in one statement. */
    private static void insert(Handle h, Columns rows) {
        // One statement for many rows: a JDBC batch of single-row inserts costs PostgreSQL an executor
        // start, the check constraints' parsing and a foreign key check's start per row. A row rewritten
        // with the stored message it refers to keeps referring to it (a QoS 2 message's PUBREC rewrites its
        // row alone, and a session's snapshot every row of it), or the stored message would lose a
        // reference without being forgotten.
        h.createUpdate("""
                        INSERT INTO broker_session_messages AS s (client_id, sequence, qos, packet_id, released,
                            subscription_ids, message, message_digest, shared_group, stored_at)
                        SELECT r.client_id, r.sequence, r.qos, r.packet_id, r.released, CAST(r.subscription_ids AS integer[]),
                               CAST(r.message AS jsonb), decode(r.digest, 'hex'), r.shared_group, now()
                          FROM unnest(CAST(:clients AS text[]), CAST(:sequences AS bigint[]), CAST(:qos AS smallint[]),
                                      CAST(:packetIds AS integer[]), CAST(:released AS boolean[]),
                                      CAST(:subscriptionIds AS text[]), CAST(:messages AS text[]),
                                      CAST(:digests AS text[]), CAST(:sharedGroups AS text[]))
                               AS r(client_id, sequence, qos, packet_id, released, subscription_ids, message, digest,
                                    shared_group)
                        ON CONFLICT (client_id, sequence) DO UPDATE SET
                            shared_group = EXCLUDED.shared_group,
                            qos = EXCLUDED.qos,
                            packet_id = EXCLUDED.packet_id,
                            released = EXCLUDED.released,
                            subscription_ids = EXCLUDED.subscription_ids,
                            message = CASE WHEN %1$s THEN NULL ELSE EXCLUDED.message END,
                            message_digest = CASE WHEN %1$s THEN s.message_digest ELSE EXCLUDED.message_digest END,
                            stored_at = EXCLUDED.stored_at""".formatted("""
                        EXCLUDED.message_digest IS NULL AND s.message_digest IS NOT NULL
                        AND EXCLUDED.message = (SELECT m.message FROM broker_stored_messages m WHERE m.digest = s.message_digest)"""))
                .bindArray("clients", String.class, rows.clients)
                .bindArray("sequences", Long.class, rows.sequences)
                .bindArray("qos", Integer.class, rows.qos)
                .bindArray("packetIds", Integer.class, rows.packetIds)
                .bindArray("released", Boolean.class, rows.released)
                .bindArray("subscriptionIds", String.class, rows.subscriptionIds)
                .bind("messages", BinaryTextArray.of(rows.messages))
                .bindArray("digests", String.class, rows.digests)
                .bindArray("sharedGroups", String.class, rows.sharedGroups)
                .execute();
    }

    /*
     * The rows of an upsert, column by column: the arrays one statement unnests. A statement takes at
     * most ROWS_PER_STATEMENT rows or about TEXT_PER_STATEMENT characters of messages: a node's stop
     * saves every session at once, and one array value must stay far below PostgreSQL's 1 GB.
     */
    private static final class Columns {
        static final int ROWS_PER_STATEMENT = 10_000;
        static final long TEXT_PER_STATEMENT = 8L << 20;

        final List<String> clients;
        final List<Long> sequences;
        final List<Integer> qos;
        final List<Integer> packetIds;
        final List<Boolean> released;
        final List<String> subscriptionIds;
        final List<String> messages;
        final List<String> digests;
        final List<String> sharedGroups;

        Columns() {
            clients = new ArrayList<>();
            sequences = new ArrayList<>();
            qos = new ArrayList<>();
            packetIds = new ArrayList<>();
            released = new ArrayList<>();
            subscriptionIds = new ArrayList<>();
            messages = new ArrayList<>();
            digests = new ArrayList<>();
            sharedGroups = new ArrayList<>();
        }

        /** An integer array's text form, {@code {1,2}}. */
        static String arrayText(List<Integer> ids) {
            StringJoiner text = new StringJoiner(",", "{", "}");
            ids.forEach(id -> text.add(id.toString()));
            return text.toString();
        }

        void add(String client, PendingMessage m, StoredMessageRows.Content content) {
            clients.add(client);
            sequences.add(m.sequence());
            qos.add(m.qos());
            packetIds.add(m.packetId());
            released.add(m.released());
            subscriptionIds.add(arrayText(m.subscriptionIdentifiers()));
            messages.add(content.shared() ? null : content.json());
            digests.add(content.shared() ? HexFormat.of().formatHex(content.digest()) : null);
            sharedGroups.add(m.sharedGroup());
        }
    }

    /**
     * Makes each of {@code snapshots}' queued messages exactly its pending ones: deletes the others,
     * writes these. A snapshot's messages from its {@link SessionSnapshot#storedOnlyFrom} on, which the
     * session holds here alone, stay as they are.
     *
     * @return the digests of the messages the deleted rows referred to
     */
    public static List<byte[]> replace(Handle h, List<SessionSnapshot> snapshots) {
        List<String> clients = new ArrayList<>();
        List<Long> storedOnlyFrom = new ArrayList<>();
        List<String> keptClients = new ArrayList<>();
        List<Long> keptSequences = new ArrayList<>();
        List<Map.Entry<String, PendingMessage>> messages = new ArrayList<>();
        for (SessionSnapshot s : snapshots) {
            clients.add(s.clientId());
            storedOnlyFrom.add(s.storedOnlyFrom() > 0 ? s.storedOnlyFrom() : Long.MAX_VALUE);
            for (PendingMessage m : s.pending()) {
                keptClients.add(s.clientId());
                keptSequences.add(m.sequence());
                messages.add(Map.entry(s.clientId(), m));
            }
        }
        List<byte[]> released = h.createQuery("""
                        DELETE FROM broker_session_messages s
                         USING unnest(CAST(:clients AS text[]), CAST(:storedOnlyFrom AS bigint[])) AS c(client_id, kept_from)
                         WHERE s.client_id = c.client_id AND s.sequence < c.kept_from
                           AND NOT EXISTS (SELECT 1 FROM unnest(CAST(:keptClients AS text[]), CAST(:keptSequences AS bigint[]))
                                                AS k(client_id, sequence)
                                            WHERE k.client_id = s.client_id AND k.sequence = s.sequence)
                        RETURNING s.message_digest""")
                .bindArray("clients", String.class, clients)
                .bindArray("storedOnlyFrom", Long.class, storedOnlyFrom)
                .bindArray("keptClients", String.class, keptClients)
                .bindArray("keptSequences", Long.class, keptSequences)
                .mapTo(byte[].class)
                .list();
        upsert(h, withoutRows(h, messages));
        return released;
    }

    /**
     * Writes, of {@code messages}, the columns a snapshot can change (the QoS, packet id and released
     * state of a delivery, its subscription ids and group) into the rows that exist already, and
     * returns the others, whose content must be written too. Every message a persistent session holds
     * was appended when it came (or read from its row), so its content is there; a stop, which saves
     * every session at once, encoded and wrote all of it again (at the default heap bound up to 40 % of
     * the heap as JSON, past the writer's time to close).
     */
    private static List<Map.Entry<String, PendingMessage>> withoutRows(Handle h,
                                                                       List<Map.Entry<String, PendingMessage>> messages) {
        if (messages.isEmpty()) {
            return messages;
        }
        Map<SessionWrite.Message, Map.Entry<String, PendingMessage>> byKey = new LinkedHashMap<>();
        for (Map.Entry<String, PendingMessage> entry : messages) {
            byKey.put(new SessionWrite.Message(entry.getKey(), entry.getValue().sequence()), entry);
        }
        List<String> clients = new ArrayList<>(byKey.size());
        List<Long> sequences = new ArrayList<>(byKey.size());
        List<Integer> qos = new ArrayList<>(byKey.size());
        List<Integer> packetIds = new ArrayList<>(byKey.size());
        List<Boolean> releasedStates = new ArrayList<>(byKey.size());
        List<String> subscriptionIds = new ArrayList<>(byKey.size());
        List<String> sharedGroups = new ArrayList<>(byKey.size());
        for (Map.Entry<String, PendingMessage> entry : byKey.values()) {
            PendingMessage m = entry.getValue();
            clients.add(entry.getKey());
            sequences.add(m.sequence());
            qos.add(m.qos());
            packetIds.add(m.packetId());
            releasedStates.add(m.released());
            subscriptionIds.add(Columns.arrayText(m.subscriptionIdentifiers()));
            sharedGroups.add(m.sharedGroup());
        }
        h.createQuery("""
                        UPDATE broker_session_messages s
                           SET qos = r.qos, packet_id = r.packet_id, released = r.released,
                               subscription_ids = CAST(r.subscription_ids AS integer[]), shared_group = r.shared_group,
                               stored_at = now()
                          FROM unnest(CAST(:clients AS text[]), CAST(:sequences AS bigint[]), CAST(:qos AS smallint[]),
                                      CAST(:packetIds AS integer[]), CAST(:released AS boolean[]),
                                      CAST(:subscriptionIds AS text[]), CAST(:sharedGroups AS text[]))
                               AS r(client_id, sequence, qos, packet_id, released, subscription_ids, shared_group)
                         WHERE s.client_id = r.client_id AND s.sequence = r.sequence
                        RETURNING s.client_id, s.sequence""")
                .bindArray("clients", String.class, clients)
                .bindArray("sequences", Long.class, sequences)
                .bindArray("qos", Integer.class, qos)
                .bindArray("packetIds", Integer.class, packetIds)
                .bindArray("released", Boolean.class, releasedStates)
                .bindArray("subscriptionIds", String.class, subscriptionIds)
                .bindArray("sharedGroups", String.class, sharedGroups)
                .map((rs, ctx) -> new SessionWrite.Message(rs.getString("client_id"), rs.getLong("sequence")))
                .forEach(byKey::remove);
        return new ArrayList<>(byKey.values());
    }

    /**
     * Deletes the acknowledged {@code messages}.
     *
     * @return the digests of the messages the deleted rows referred to
     */
    public static List<byte[]> acknowledge(Handle h, Collection<SessionWrite.Message> messages) {
        List<String> clients = new ArrayList<>(messages.size());
        List<Long> sequences = new ArrayList<>(messages.size());
        for (SessionWrite.Message key : messages) {
            clients.add(key.clientId());
            sequences.add(key.sequence());
        }
        return h.createQuery("""
                        DELETE FROM broker_session_messages s
                         USING unnest(CAST(:clients AS text[]), CAST(:sequences AS bigint[])) AS k(client_id, sequence)
                         WHERE s.client_id = k.client_id AND s.sequence = k.sequence
                        RETURNING s.message_digest""")
                .bindArray("clients", String.class, clients)
                .bindArray("sequences", Long.class, sequences)
                .mapTo(byte[].class)
                .list();
    }

    /**
     * Deletes every message of {@code clientIds}.
     *
     * @return the digests of the messages the deleted rows referred to
     */
    public static List<byte[]> deleteAll(Handle h, List<String> clientIds) {
        return h.createQuery("DELETE FROM broker_session_messages WHERE client_id = ANY(:ids) RETURNING message_digest")
                .bindArray("ids", String.class, clientIds)
                .mapTo(byte[].class)
                .list();
    }
}
