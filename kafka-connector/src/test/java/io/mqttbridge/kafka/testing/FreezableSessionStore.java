package io.mqttbridge.kafka.testing;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One node's view of a shared session store that can be frozen: from then on the node's writes
 * are dropped, as a killed process writes nothing more (reads still work). Its takes of a dead
 * node's shared-group messages can be stalled, as a node that dies in the middle of a recovery.
 */
public final class FreezableSessionStore implements SessionStore {

    private final SessionStore shared;
    private volatile boolean frozen;
    private volatile boolean takesStalled;
    private volatile boolean stalledAfterTaking;
    private final java.util.concurrent.atomic.AtomicInteger stalledTakes = new java.util.concurrent.atomic.AtomicInteger();

    public FreezableSessionStore(SessionStore shared) {
        this.shared = shared;
    }

    public void freeze() {
        frozen = true;
    }

    /** From now on {@link #takeSharedMessages} never completes and takes nothing. */
    public void stallSharedTakes() {
        takesStalled = true;
    }

    /**
     * From now on {@link #takeSharedMessages} takes (the shared store applies it) and then never
     * completes: as a node that dies after its take committed and before it handed the messages over.
     */
    public void stallAfterSharedTakes() {
        stalledAfterTaking = true;
    }

    /** How many takes were stalled. */
    public int stalledTakes() {
        return stalledTakes.get();
    }

    @Override
    public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
        return shared.loadAll();
    }

    @Override
    public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
        return shared.load(clientId);
    }

    @Override
    public CompletableFuture<Optional<SessionSnapshot>> loadToHold(String clientId) {
        return shared.loadToHold(clientId);
    }

    @Override
    public CompletableFuture<java.util.List<ClientMessage>> takeSharedMessages(String node,
            java.util.Set<String> sharedGroups, String round) {
        if (takesStalled) {
            stalledTakes.incrementAndGet();
            return new CompletableFuture<>();
        }
        if (stalledAfterTaking) {
            CompletableFuture<Void> stalled = new CompletableFuture<>();
            return shared.takeSharedMessages(node, sharedGroups, round).thenCompose(taken -> {
                stalledTakes.incrementAndGet();
                return stalled.thenApply(ignored -> taken);
            });
        }
        return shared.takeSharedMessages(node, sharedGroups, round);
    }

    @Override
    public CompletableFuture<Void> forgetRecovered(String node, String round) {
        return frozen ? CompletableFuture.completedFuture(null) : shared.forgetRecovered(node, round);
    }

    @Override
    public CompletableFuture<Void> save(SessionSnapshot snapshot) {
        return frozen ? CompletableFuture.completedFuture(null) : shared.save(snapshot);
    }

    @Override
    public CompletableFuture<Void> remove(String clientId) {
        return frozen ? CompletableFuture.completedFuture(null) : shared.remove(clientId);
    }

    @Override
    public CompletableFuture<Void> append(String clientId, PendingMessage message) {
        return frozen ? CompletableFuture.completedFuture(null) : shared.append(clientId, message);
    }

    @Override
    public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
        return frozen ? CompletableFuture.completedFuture(null) : shared.acknowledge(clientId, sequence);
    }

    @Override
    public CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        return frozen ? CompletableFuture.completedFuture(null) : shared.receivedQos2(clientId, packetId);
    }

    @Override
    public CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
        return frozen ? CompletableFuture.completedFuture(null) : shared.releasedQos2(clientId, packetId);
    }
}
