package io.mqttbridge.broker.session;

import io.mqttbridge.broker.session.SessionManager.SessionOwnedByAnotherIdentity;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * One connection per client id across the cluster: before a session is opened for a CONNECT this
 * node becomes the holder of the client id (the previous holder disconnects the client and saves
 * its session) and restores the session from the store; when another node claims a client id this
 * node holds, the session is handed over to it. See "One connection per client id" in
 * docs/ARCHITECTURE.md.
 *
 * <p>On a single node every step completes at once without I/O, so the connect path costs nothing.
 *
 * <p>Threading: callable from any thread; the claims and store loads complete on the fabric's and
 * the store's threads, and a restored session's state is set in its own task on {@code executor}.
 */
final class ClusterTakeover {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final SessionManager sessions;
    private final SessionOwners owners;
    private final SessionStore store;
    private final ClusterFabric fabric;
    private final ArrivedSessions arrivals;
    private final RecoveryHolds holds;

    ClusterTakeover(SessionManager sessions, SessionOwners owners, SessionStore store, ClusterFabric fabric,
                    ArrivedSessions arrivals, RecoveryHolds holds) {
        this.sessions = sessions;
        this.owners = owners;
        this.store = store;
        this.fabric = fabric;
        this.arrivals = arrivals;
        this.holds = holds;
    }

    /** See {@link SessionManager#prepareOpen}. */
    CompletableFuture<Void> prepareOpen(String clientId, boolean cleanStart, EventExecutor executor, String owner) {
        if (!fabric.isClustered()) {
            return DONE;
        }
        Session local = sessions.get(clientId);
        String claimedBy = fabric.holderOwner(clientId);
        if ((local == null || local.isEnded()) && claimedBy != null && !claimedBy.equals(owner)) {
            // A session (clean or not) that another live node holds for another identity.
            return CompletableFuture.failedFuture(new SessionOwnedByAnotherIdentity(clientId));
        }
        CompletableFuture<Void> ownerChecked = local != null && !local.isEnded()
                ? (local.mayBeOpenedBy(owner) ? DONE : CompletableFuture.failedFuture(new SessionOwnedByAnotherIdentity(clientId)))
                : store.ownerOf(clientId).thenAccept(storedOwner -> {
                    if (storedOwner.isPresent() && !storedOwner.get().equals(owner)) {
                        throw new SessionOwnedByAnotherIdentity(clientId);
                    }
                });
        CompletableFuture<Void> prepared = ownerChecked.thenCompose(checked -> fabric.claim(clientId, owner)).thenCompose(claimed -> {
            Session present = sessions.get(clientId);
            if (present != null) {
                // Another CONNECT of the client opened the session here meanwhile (it gave up on this
                // one and tried again): what a dead holder this claim found still goes into it.
                return recoverInOrder(clientId, present, () -> DONE);
            }
            if (cleanStart) {
                // A session another node left in the store must not come back at a later non-clean
                // connect, nor what a dead node that held it had for it.
                fabric.forgetDeadHolder(clientId);
                return store.remove(clientId);
            }
            // Owned here from this load on: a survivor recovering the previous holder's shared-group
            // messages (takeSharedMessagesOf) takes them before this load or not at all.
            return store.loadToHold(clientId, sessions.queuedMemory()::room).thenCompose(snapshot -> snapshot.isEmpty()
                    ? DONE : restoreAndRecover(snapshot.get(), executor));
        }).thenRun(() -> {
            // Another node claimed the client meanwhile (this client gave up and tried there): it
            // gets the session once this settles; opening it here too would write over its state.
            if (!fabric.isHolder(clientId)) {
                throw new ClaimedElsewhere(clientId);
            }
        });
        return prepared;
    }

    /** See {@link SessionManager#confirmHolder}. */
    void confirmHolder(String clientId) {
        if (fabric.isClustered() && !fabric.isHolder(clientId)) {
            handOver(clientId);
        }
    }

    /** See {@link SessionManager#handOver}. */
    CompletableFuture<Void> handOver(String clientId) {
        Session session = sessions.get(clientId);
        return session == null ? DONE : SessionHandOver.moveAway(session);
    }

    /** Another node claimed the client while this node was preparing its session. */
    static final class ClaimedElsewhere extends RuntimeException {
        ClaimedElsewhere(String clientId) {
            super("client " + clientId + " was claimed by another node while connecting here", null, false, false);
        }
    }

    private CompletableFuture<Void> restoreAndRecover(SessionSnapshot snapshot, EventExecutor executor) {
        String clientId = snapshot.clientId();
        Session session = new Session(clientId, sessions, executor);
        owners.claim(session, snapshot.owner());
        if (!sessions.addIfAbsent(session)) {
            owners.release(session);
            return recoverInOrder(clientId, sessions.get(clientId), () -> DONE);
        }
        return recoverInOrder(clientId, session, () -> {
            // Before its subscriptions are in the tree: from then on messages may come directly and
            // re-forwarded by the node the session left.
            arrivals.arrived(session, 2 * fabric.reforwardWindowMillis());
            return SessionSnapshots.restoreInTask(session, snapshot);
        });
    }

    /**
     * Restores {@code session} with {@code restore} and then recovers into it what the dead node that
     * held the client had for it ({@link ClusterFabric#recoverFromDeadHolder}). When there is such a
     * node, what is routed to the session from before the restore (its subscriptions make it a
     * routing target) until that recovery is over waits ({@link RecoveryHolds}): the dead node's
     * backlog is older. Its release is queued on the session before the CONNECT goes on, so before
     * the attach. A session not recovered from a dead node never waits.
     */
    private CompletableFuture<Void> recoverInOrder(String clientId, Session session,
                                                   Supplier<CompletableFuture<Void>> restore) {
        RecoveryHolds.Hold hold = session != null && fabric.hasDeadHolder(clientId) ? holds.open(session) : null;
        CompletableFuture<Void> recovered = restore.get()
                .thenCompose(restored -> fabric.recoverFromDeadHolder(clientId));
        return hold == null ? recovered
                : recovered.whenComplete((ignored, error) -> session.execute(() -> holds.close(session, hold)));
    }
}
