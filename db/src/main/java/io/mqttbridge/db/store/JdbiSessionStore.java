package io.mqttbridge.db.store;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.db.store.internal.BrokerStateJson;
import io.mqttbridge.db.store.internal.CoalescingWriter;
import io.mqttbridge.db.store.internal.StoreThreads;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;

/**
 * The broker's persistent sessions, cluster-wide: their state in {@code broker_session_state}, one
 * row per client id with the node that owns it (saved it last), their messages in
 * {@code broker_session_messages}, one row per message, and their inbound QoS 2 packet ids (PUBREC
 * sent, PUBREL not yet received) in {@code broker_session_inbound_qos2}.
 *
 * <p>Never blocks its caller: every write (snapshots, removals, appended and acknowledged messages)
 * goes to one writer thread that applies them in call order and commits the ones queued together in
 * one transaction (while the database is unreachable, it retries until it is back, so a write's
 * future completes late rather than fails); of several writes of one session state or one message queued together only the
 * last reaches the database (each replaces the whole state of its row). So an append's future
 * completes after one batched commit, shared by every message queued meanwhile. {@link #loadAll}
 * and {@link #load} run on a reader thread after every write submitted before them.
 * {@link #loadAll} reads this node's sessions in pages of {@code pageSize} client ids (keyset
 * pagination), so start-up with many sessions is many short queries, not one long one.
 *
 * <p>{@link #close()} applies the writes still queued (the broker's stop submits a snapshot of every
 * session without waiting for it) and stops the threads; call it after {@code MqttBroker.stop()}
 * and before closing the database.
 */
public final class JdbiSessionStore implements SessionStore, AutoCloseable {

    /** Client ids read per query by {@link #loadAll}. */
    public static final int DEFAULT_PAGE_SIZE = 1_000;

    /** What a queued write is about: one session's state, or one of its messages. */
    private sealed interface Key permits StateKey, MessageKey, InboundQos2Key {
        String clientId();
    }

    private record InboundQos2Key(String clientId, int packetId) implements Key {
    }

    private record StateKey(String clientId) implements Key {
    }

    private record MessageKey(String clientId, long sequence) implements Key {
    }

    private enum Kind { SAVE, REMOVE, APPEND, ACKNOWLEDGE, RECEIVED_QOS2, RELEASED_QOS2 }

    private static final Object RECEIVED = Boolean.TRUE;

    private final Jdbi jdbi;
    private final String nodeId;
    private final int pageSize;
    private final CoalescingWriter<Key, Object> writer;
    private final ExecutorService reader;

    /**
     * @param jdbi the database ({@code Database.jdbi()}), migrated
     * @param nodeId this broker node: it owns the sessions it saves, and {@link #loadAll} loads those
     * @throws IllegalArgumentException when {@code nodeId} is blank
     */
    public JdbiSessionStore(Jdbi jdbi, String nodeId) {
        this(jdbi, nodeId, DEFAULT_PAGE_SIZE);
    }

    /** @param pageSize client ids read per query by {@link #loadAll}, at least 1 */
    public JdbiSessionStore(Jdbi jdbi, String nodeId, int pageSize) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("nodeId must not be blank: the session store records which node owns a session");
        }
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be at least 1, was " + pageSize);
        }
        this.nodeId = nodeId;
        this.pageSize = pageSize;
        this.writer = new CoalescingWriter<>("session-store-writer", this::apply);
        this.reader = StoreThreads.reader("session-store-reader", 1);
    }

    @Override
    public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
        return writer.barrier().thenApplyAsync(ignored -> {
            List<SessionSnapshot> all = new ArrayList<>();
            String after = null;
            while (true) {
                String from = after;
                List<SessionSnapshot> page = jdbi.withHandle(h -> {
                    Query query = h.createQuery("SELECT * FROM broker_session_state WHERE node_id = :node"
                                    + (from == null ? "" : " AND client_id > :after")
                                    + " ORDER BY client_id LIMIT :limit")
                            .bind("node", nodeId)
                            .bind("limit", pageSize);
                    if (from != null) {
                        query.bind("after", from);
                    }
                    return withMessages(h, query.map((rs, ctx) -> state(rs)).list());
                });
                all.addAll(page);
                if (page.size() < pageSize) {
                    return all;
                }
                after = page.get(page.size() - 1).clientId();
            }
        }, reader);
    }

    @Override
    public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        return writer.barrier().thenApplyAsync(ignored -> jdbi.withHandle(h -> withMessages(h, h.createQuery(
                        "SELECT * FROM broker_session_state WHERE client_id = :client")
                .bind("client", clientId)
                .map((rs, ctx) -> state(rs))
                .list())).stream().findFirst(), reader);
    }

    /**
     * {@link #load} that makes this node the owner in the same transaction: the state row's lock
     * orders it with a {@link #takeSharedMessages} of the previous owner.
     */
    @Override
    public CompletableFuture<Optional<SessionSnapshot>> loadToHold(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        return writer.barrier().thenApplyAsync(ignored -> jdbi.inTransaction(h -> {
            h.createUpdate("UPDATE broker_session_state SET node_id = :node WHERE client_id = :client")
                    .bind("node", nodeId)
                    .bind("client", clientId)
                    .execute();
            return withMessages(h, h.createQuery("SELECT * FROM broker_session_state WHERE client_id = :client")
                    .bind("client", clientId)
                    .map((rs, ctx) -> state(rs))
                    .list());
        }).stream().findFirst(), reader);
    }

    /**
     * Deletes and returns, in one transaction, the shared-group messages (not past PUBREC) of the
     * sessions {@code node} owns; their state rows are locked first, so a {@link #loadToHold} of one
     * of them by another node commits before (then the session is not {@code node}'s any more) or
     * reads after (then without these messages).
     */
    @Override
    public CompletableFuture<List<ClientMessage>> takeSharedMessages(String node, Set<String> sharedGroups) {
        Objects.requireNonNull(node, "node");
        if (sharedGroups.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return writer.barrier().thenApplyAsync(ignored -> jdbi.inTransaction(h -> {
            List<String> owned = h.createQuery("""
                            SELECT client_id FROM broker_session_state WHERE node_id = :node
                             ORDER BY client_id FOR UPDATE""")
                    .bind("node", node)
                    .mapTo(String.class)
                    .list();
            if (owned.isEmpty()) {
                return List.<ClientMessage>of();
            }
            List<ClientMessage> taken = new ArrayList<>(h.createQuery("""
                            DELETE FROM broker_session_messages
                             WHERE client_id = ANY(:ids) AND shared_group = ANY(:groups) AND NOT released
                            RETURNING *""")
                    .bindArray("ids", String.class, owned)
                    .bindArray("groups", String.class, List.copyOf(sharedGroups))
                    .map((rs, ctx) -> new ClientMessage(rs.getString("client_id"), message(rs)))
                    .list());
            taken.sort(Comparator.comparing(ClientMessage::clientId).thenComparingLong(m -> m.message().sequence()));
            return taken;
        }), reader);
    }

    @Override
    public CompletableFuture<Void> save(SessionSnapshot snapshot) {
        return writer.submit(new StateKey(snapshot.clientId()), snapshot.withNumberedPending());
    }

    @Override
    public CompletableFuture<Void> remove(String clientId) {
        return writer.submit(new StateKey(clientId), null);
    }

    @Override
    public CompletableFuture<Void> append(String clientId, PendingMessage message) {
        if (message.sequence() <= 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("an appended message needs a sequence"));
        }
        return writer.submit(new MessageKey(clientId, message.sequence()), message);
    }

    @Override
    public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
        return writer.submit(new MessageKey(clientId, sequence), null);
    }

    @Override
    public CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        return writer.submit(new InboundQos2Key(clientId, packetId), RECEIVED);
    }

    @Override
    public CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
        return writer.submit(new InboundQos2Key(clientId, packetId), null);
    }

    /** Applies the queued writes (waiting up to 30 s) and stops the store's threads. */
    @Override
    public void close() {
        writer.close();
        reader.shutdown();
    }

    /**
     * Applies the latest write of each key, in the order of those writes, in one transaction: runs of
     * writes of one kind become one JDBC batch each.
     */
    private void apply(Map<Key, Object> latest) {
        jdbi.useTransaction(h -> {
            Kind runKind = null;
            List<Map.Entry<Key, Object>> run = new ArrayList<>();
            for (Map.Entry<Key, Object> write : latest.entrySet()) {
                Kind kind = kindOf(write.getKey(), write.getValue());
                if (kind != runKind && !run.isEmpty()) {
                    applyRun(h, runKind, run);
                    run.clear();
                }
                runKind = kind;
                run.add(write);
            }
            if (!run.isEmpty()) {
                applyRun(h, runKind, run);
            }
        });
    }

    private static Kind kindOf(Key key, Object value) {
        if (key instanceof StateKey) {
            return value == null ? Kind.REMOVE : Kind.SAVE;
        }
        if (key instanceof InboundQos2Key) {
            return value == null ? Kind.RELEASED_QOS2 : Kind.RECEIVED_QOS2;
        }
        return value == null ? Kind.ACKNOWLEDGE : Kind.APPEND;
    }

    private void applyRun(Handle h, Kind kind, List<Map.Entry<Key, Object>> run) {
        switch (kind) {
            case SAVE -> {
                List<SessionSnapshot> snapshots = run.stream().map(e -> (SessionSnapshot) e.getValue()).toList();
                upsertStates(h, snapshots);
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
                upsertMessages(h, messages);
            }
            case REMOVE -> {
                List<String> ids = run.stream().map(e -> e.getKey().clientId()).toList();
                h.createUpdate("DELETE FROM broker_session_state WHERE client_id = ANY(:ids)")
                        .bindArray("ids", String.class, ids)
                        .execute();
                h.createUpdate("DELETE FROM broker_session_messages WHERE client_id = ANY(:ids)")
                        .bindArray("ids", String.class, ids)
                        .execute();
                h.createUpdate("DELETE FROM broker_session_inbound_qos2 WHERE client_id = ANY(:ids)")
                        .bindArray("ids", String.class, ids)
                        .execute();
            }
            case RECEIVED_QOS2 -> {
                PreparedBatch batch = h.prepareBatch("""
                        INSERT INTO broker_session_inbound_qos2 (client_id, packet_id, stored_at)
                        VALUES (:client, :packetId, now())
                        ON CONFLICT (client_id, packet_id) DO UPDATE SET stored_at = EXCLUDED.stored_at""");
                for (Map.Entry<Key, Object> e : run) {
                    InboundQos2Key key = (InboundQos2Key) e.getKey();
                    batch.bind("client", key.clientId()).bind("packetId", key.packetId()).add();
                }
                batch.execute();
            }
            case RELEASED_QOS2 -> {
                PreparedBatch batch = h.prepareBatch(
                        "DELETE FROM broker_session_inbound_qos2 WHERE client_id = :client AND packet_id = :packetId");
                for (Map.Entry<Key, Object> e : run) {
                    InboundQos2Key key = (InboundQos2Key) e.getKey();
                    batch.bind("client", key.clientId()).bind("packetId", key.packetId()).add();
                }
                batch.execute();
            }
            case APPEND -> upsertMessages(h, run.stream()
                    .map(e -> Map.entry(e.getKey().clientId(), (PendingMessage) e.getValue()))
                    .toList());
            case ACKNOWLEDGE -> {
                PreparedBatch batch = h.prepareBatch(
                        "DELETE FROM broker_session_messages WHERE client_id = :client AND sequence = :sequence");
                for (Map.Entry<Key, Object> e : run) {
                    MessageKey key = (MessageKey) e.getKey();
                    batch.bind("client", key.clientId()).bind("sequence", key.sequence()).add();
                }
                batch.execute();
            }
        }
    }

    private void upsertStates(Handle h, List<SessionSnapshot> snapshots) {
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

    private static void upsertMessages(Handle h, List<Map.Entry<String, PendingMessage>> messages) {
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

    /** The states with their messages, read in one query for the whole list. */
    private static List<SessionSnapshot> withMessages(Handle h, List<SessionSnapshot> states) {
        if (states.isEmpty()) {
            return states;
        }
        Map<String, List<PendingMessage>> byClient = new HashMap<>();
        h.createQuery("""
                        SELECT * FROM broker_session_messages
                         WHERE client_id = ANY(:ids)
                         ORDER BY client_id, sequence""")
                .bindArray("ids", String.class, states.stream().map(SessionSnapshot::clientId).toList())
                .map((rs, ctx) -> Map.entry(rs.getString("client_id"), message(rs)))
                .forEach(e -> byClient.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        Map<String, List<Integer>> inboundByClient = new HashMap<>();
        h.createQuery("""
                        SELECT client_id, packet_id FROM broker_session_inbound_qos2
                         WHERE client_id = ANY(:ids)
                         ORDER BY client_id, packet_id""")
                .bindArray("ids", String.class, states.stream().map(SessionSnapshot::clientId).toList())
                .map((rs, ctx) -> Map.entry(rs.getString("client_id"), rs.getInt("packet_id")))
                .forEach(e -> inboundByClient.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        List<SessionSnapshot> complete = new ArrayList<>(states.size());
        for (SessionSnapshot state : states) {
            List<PendingMessage> messages = byClient.get(state.clientId());
            SessionSnapshot withMessages = messages == null ? state : state.withPending(messages);
            List<Integer> inbound = inboundByClient.get(state.clientId());
            complete.add(inbound == null ? withMessages : withMessages.withInboundQos2(inbound));
        }
        return complete;
    }

    private static SessionSnapshot state(ResultSet rs) throws SQLException {
        OffsetDateTime disconnectedAt = rs.getObject("disconnected_at", OffsetDateTime.class);
        Instant disconnected = disconnectedAt == null ? null : disconnectedAt.toInstant();
        return new SessionSnapshot(rs.getString("client_id"), rs.getLong("session_expiry_seconds"), disconnected,
                BrokerStateJson.readSubscriptions(rs.getString("subscriptions")), List.of(), rs.getString("owner"));
    }

    private static PendingMessage message(ResultSet rs) throws SQLException {
        PublishedMessage message = BrokerStateJson.readMessage(rs.getString("message"));
        Array ids = rs.getArray("subscription_ids");
        List<Integer> subscriptionIds = new ArrayList<>();
        for (Integer id : (Integer[]) ids.getArray()) {
            subscriptionIds.add(id);
        }
        return new PendingMessage(message, rs.getInt("qos"), rs.getInt("packet_id"), rs.getBoolean("released"),
                subscriptionIds, rs.getLong("sequence"), rs.getString("shared_group"));
    }
}
