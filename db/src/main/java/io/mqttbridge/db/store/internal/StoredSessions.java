package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.InDoubtQos2;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredOnlyMessage;
import io.mqttbridge.broker.spi.SessionStore.ClientMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The session store's reads: whole sessions (state, queued messages, inbound QoS 2 packet ids) read
 * from the three tables, a page at a time for start-up, and the transactions that move a session
 * between nodes (a take-over, and the shared-group messages of a node that is gone). Each read's
 * messages and packet ids come in one query per table for the whole list of sessions.
 *
 * <p>Threading: called on the store's reader thread, after every write submitted before it; blocks
 * on the database.
 */
public final class StoredSessions {

    private final Jdbi jdbi;
    private final String nodeId;

    /** @param nodeId this node: the owner whose sessions {@link #pageOwned} reads, and that {@link #loadToHold} sets */
    public StoredSessions(Jdbi jdbi, String nodeId) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    }

    /**
     * This node's sessions with a client id after {@code after} ({@code null}: from the first), at
     * most {@code limit}, in client id order; their messages shared through {@code shared}, which
     * one start-up's pages have in common.
     */
    public List<SessionSnapshot> pageOwned(String after, int limit, SharedMessages shared, MessageBudget budget) {
        // In a transaction: only in one does the driver read the messages a few rows at a time.
        return jdbi.inTransaction(h -> complete(h, SessionStateRows.pageOwnedBy(h, nodeId, after, limit), shared,
                budget));
    }

    /** The session of {@code clientId}, if stored. */
    public Optional<SessionSnapshot> load(String clientId) {
        return jdbi.inTransaction(h -> complete(h, SessionStateRows.of(h, clientId), new SharedMessages(),
                MessageBudget.of(Long.MAX_VALUE)))
                .stream().findFirst();
    }

    /** The messages of {@code clientId} with sequences from {@code from} to {@code to}, in sequence order. */
    public List<PendingMessage> messages(String clientId, long from, long to) {
        return jdbi.inTransaction(h -> SessionMessageReads.range(h, clientId, from, to));
    }

    /** The owner of {@code clientId}'s stored session (one column of its state row, no messages). */
    public Optional<String> ownerOf(String clientId) {
        return jdbi.withHandle(h -> SessionStateRows.ownerOf(h, clientId));
    }

    /**
     * {@link #load} that makes this node the owner in the same transaction: the state row's lock
     * orders it with a {@link #takeSharedMessages} of the previous owner.
     */
    public Optional<SessionSnapshot> loadToHold(String clientId, MessageBudget budget) {
        return jdbi.inTransaction(h -> {
            SessionStateRows.hold(h, nodeId, clientId);
            return complete(h, SessionStateRows.of(h, clientId), new SharedMessages(), budget);
        }).stream().findFirst();
    }

    /**
     * Moves, in one transaction, the shared-group messages (not past PUBREC) of the sessions
     * {@code node} owns into the messages {@code round} recovers, and returns those with the ones
     * earlier rounds for {@code node} left ({@link RecoveryMessageRows}); the state rows are locked
     * first, so a {@link #loadToHold} of one of them by another node commits before (then the
     * session is not {@code node}'s any more) or reads after (then without these messages).
     */
    public List<ClientMessage> takeSharedMessages(String node, Collection<String> sharedGroups, String round) {
        return jdbi.inTransaction(h -> {
            if (!sharedGroups.isEmpty()) {
                List<String> owned = SessionStateRows.lockOwnedBy(h, node);
                if (!owned.isEmpty()) {
                    RecoveryMessageRows.moveShared(h, node, round, owned, sharedGroups);
                }
            }
            return RecoveryMessageRows.takeAll(h, node, round);
        });
    }

    /** Deletes the messages {@code round} recovered from {@code node} ({@link #takeSharedMessages}). */
    public void forgetRecovered(String node, String round) {
        StoredMessageRows.forgetUnreferenced(jdbi, jdbi.withHandle(h -> RecoveryMessageRows.forget(h, node, round)));
    }

    /** The states with their messages and inbound QoS 2 packet ids, read in one query per table. */
    private static List<SessionSnapshot> complete(Handle h, List<SessionSnapshot> states, SharedMessages shared,
                                                  MessageBudget budget) {
        if (states.isEmpty()) {
            return states;
        }
        List<String> ids = states.stream().map(SessionSnapshot::clientId).toList();
        SessionMessageReads.Loaded loaded = SessionMessageReads.byClient(h, ids, shared, budget);
        InboundQos2Rows.ByClient inbound = InboundQos2Rows.byClient(h, ids);
        List<SessionSnapshot> complete = new ArrayList<>(states.size());
        for (SessionSnapshot state : states) {
            List<PendingMessage> messages = loaded.pending().get(state.clientId());
            List<StoredOnlyMessage> storedOnly = loaded.storedOnly().get(state.clientId());
            SessionSnapshot withMessages = (messages == null ? state : state.withPending(messages))
                    .withStoredOnly(storedOnly == null ? List.of() : storedOnly);
            List<Integer> received = inbound.received().get(state.clientId());
            List<InDoubtQos2> inDoubt = inbound.inDoubt().get(state.clientId());
            complete.add(withMessages.withInboundQos2(received == null ? List.of() : received)
                    .withInboundQos2InDoubt(inDoubt == null ? List.of() : inDoubt));
        }
        return complete;
    }
}
