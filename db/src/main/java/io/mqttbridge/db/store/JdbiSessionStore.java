package io.mqttbridge.db.store;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.broker.spi.WriteSpan;
import io.mqttbridge.db.store.internal.CoalescingWriter;
import io.mqttbridge.db.store.internal.MessageBudget;
import io.mqttbridge.db.store.internal.SessionWrite;
import io.mqttbridge.db.store.internal.SessionWriteBatch;
import io.mqttbridge.db.store.internal.SharedMessages;
import io.mqttbridge.db.store.internal.StoreThreads;
import io.mqttbridge.db.store.internal.StoredSessions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jdbi.v3.core.Jdbi;

/**
 * The broker's persistent sessions, cluster-wide: their state in {@code broker_session_state}, one
 * row per client id with the node that owns it (saved it last), their messages in
 * {@code broker_session_messages}, one row per message, and their inbound QoS 2 packet ids (handed
 * to Kafka with an unknown outcome, or PUBREC sent; PUBREL not yet received) in
 * {@code broker_session_inbound_qos2}; the messages taken out of a dead node's sessions and not
 * handed over yet in {@code broker_recovery_messages}.
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
 * <p>The rows of each table are {@code internal}'s ({@code SessionStateRows}, {@code SessionMessageRows},
 * {@code InboundQos2Rows}); the writer thread applies writes with {@code SessionWriteBatch}, the reader
 * thread reads whole sessions with {@code StoredSessions}. This class keeps the threads and the order
 * between reads and writes.
 *
 * <p>{@link #close()} applies the writes still queued (the broker's stop submits a snapshot of every
 * session without waiting for it) and stops the threads; call it after {@code MqttBroker.stop()}
 * and before closing the database.
 */
public final class JdbiSessionStore implements SessionStore, AutoCloseable {

    /** Client ids read per query by {@link #loadAll}. */
    public static final int DEFAULT_PAGE_SIZE = 1_000;

    private final int pageSize;
    private final StoredSessions stored;
    private final CoalescingWriter<SessionWrite, Object> writer;
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
        Objects.requireNonNull(jdbi, "jdbi");
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("nodeId must not be blank: the session store records which node owns a session");
        }
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be at least 1, was " + pageSize);
        }
        this.pageSize = pageSize;
        this.stored = new StoredSessions(jdbi, nodeId);
        this.writer = new CoalescingWriter<>("session-store-writer", new SessionWriteBatch(jdbi, nodeId));
        this.reader = StoreThreads.reader("session-store-reader", 1);
    }

    @Override
    public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
        List<SessionSnapshot> all = new ArrayList<>();
        return loadAll(all::addAll).thenApply(ignored -> all);
    }

    /** Reads {@code pageSize} client ids at a time on the reader thread, which also calls {@code page}. */
    @Override
    public CompletableFuture<Void> loadAll(Consumer<List<SessionSnapshot>> page) {
        return loadAll(page, Long.MAX_VALUE);
    }

    /** {@link #loadAll(Consumer)} with the content of queued messages read while {@code messageBudgetBytes} lasts. */
    @Override
    public CompletableFuture<Void> loadAll(Consumer<List<SessionSnapshot>> page, long messageBudgetBytes) {
        return writer.barrier().thenAcceptAsync(ignored -> {
            // One message queued for many sessions is one object in all of them, as before the stop.
            SharedMessages shared = new SharedMessages();
            MessageBudget budget = MessageBudget.of(messageBudgetBytes);
            String after = null;
            while (true) {
                List<SessionSnapshot> read = stored.pageOwned(after, pageSize, shared, budget);
                page.accept(read);
                if (read.size() < pageSize) {
                    return;
                }
                after = read.get(read.size() - 1).clientId();
            }
        }, reader);
    }

    @Override
    public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        return writer.barrier().thenApplyAsync(ignored -> stored.load(clientId), reader);
    }

    @Override
    public CompletableFuture<Optional<String>> ownerOf(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        return writer.barrier().thenApplyAsync(ignored -> stored.ownerOf(clientId), reader);
    }

    /**
     * {@link #load} that makes this node the owner in the same transaction: the state row's lock
     * orders it with a {@link #takeSharedMessages} of the previous owner.
     */
    @Override
    public CompletableFuture<Optional<SessionSnapshot>> loadToHold(String clientId) {
        return loadToHold(clientId, () -> Long.MAX_VALUE);
    }

    /** {@link #loadToHold(String)} with a budget for the content of queued messages ({@link MessageBudget}). */
    @Override
    public CompletableFuture<Optional<SessionSnapshot>> loadToHold(String clientId, LongSupplier messageBudgetBytes) {
        Objects.requireNonNull(clientId, "clientId");
        return writer.barrier().thenApplyAsync(ignored ->
                stored.loadToHold(clientId, MessageBudget.of(messageBudgetBytes.getAsLong())), reader);
    }

    /**
     * Moves, in one transaction, the shared-group messages (not past PUBREC) of the sessions
     * {@code node} owns to {@code broker_recovery_messages} under {@code round}, and returns them with
     * those earlier rounds for {@code node} left there (re-tagged with {@code round}); the state rows
     * are locked first, so a {@link #loadToHold} of one of them by another node commits before (then
     * the session is not {@code node}'s any more) or reads after (then without these messages).
     */
    @Override
    public CompletableFuture<List<ClientMessage>> takeSharedMessages(String node, Set<String> sharedGroups,
            String round) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(round, "round");
        return writer.barrier().thenApplyAsync(ignored -> stored.takeSharedMessages(node, sharedGroups, round), reader);
    }

    /** Deletes the rows of {@code broker_recovery_messages} that {@code round} recovered from {@code node}. */
    @Override
    public CompletableFuture<Void> forgetRecovered(String node, String round) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(round, "round");
        return CompletableFuture.runAsync(() -> stored.forgetRecovered(node, round), reader);
    }

    @Override
    public CompletableFuture<Void> save(SessionSnapshot snapshot) {
        return writer.submit(new SessionWrite.State(snapshot.clientId()), snapshot.withNumberedPending());
    }

    @Override
    public CompletableFuture<Void> remove(String clientId) {
        return writer.submit(new SessionWrite.State(clientId), null);
    }

    @Override
    public CompletableFuture<Void> append(String clientId, PendingMessage message) {
        if (message.sequence() <= 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("an appended message needs a sequence"));
        }
        return writer.submit(new SessionWrite.Message(clientId, message.sequence()), message);
    }

    @Override
    public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
        return writer.submit(new SessionWrite.Message(clientId, sequence), null);
    }

    /** On the reader thread, after every write submitted before it. */
    @Override
    public CompletableFuture<List<PendingMessage>> loadMessages(String clientId, long fromSequence, long toSequence) {
        Objects.requireNonNull(clientId, "clientId");
        return writer.barrier().thenApplyAsync(ignored -> stored.messages(clientId, fromSequence, toSequence), reader);
    }

    @Override
    public CompletableFuture<Void> sendingQos2(String clientId, int packetId, Instant receivedAt) {
        return writer.submit(new SessionWrite.InboundQos2(clientId, packetId), new SessionWrite.Sending(receivedAt));
    }

    @Override
    public CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        return writer.submit(new SessionWrite.InboundQos2(clientId, packetId), SessionWrite.RECEIVED);
    }

    /** The writer waits up to {@link CoalescingWriter#SPAN_WAIT_MILLIS} for the span's end; see {@link CoalescingWriter.Span}. */
    @Override
    public WriteSpan openSpan() {
        return writer.openSpan()::close;
    }

    @Override
    public CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
        return writer.submit(new SessionWrite.InboundQos2(clientId, packetId), null);
    }

    /** Applies the queued writes (waiting up to 30 s) and stops the store's threads. */
    @Override
    public void close() {
        writer.close();
        reader.shutdown();
    }
}
