package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionStore;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The in-memory store with some writes held until the test lets them go: the forgetting of inbound
 * QoS 2 packet ids always, session saves once {@link #holdSaves} was called. Each held write reaches
 * the store when its gate opens.
 */
final class HeldSessionStore implements SessionStore {

    final InMemorySessionStore store = new InMemorySessionStore();
    final List<CompletableFuture<Void>> releaseGates = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Void>> saveGates = new CopyOnWriteArrayList<>();
    private volatile boolean holdSaves;

    void holdSaves() {
        holdSaves = true;
    }

    void letReleasesGo() {
        releaseGates.forEach(gate -> gate.complete(null));
    }

    void letSavesGo() {
        holdSaves = false;
        saveGates.forEach(gate -> gate.complete(null));
    }

    @Override
    public CompletableFuture<Void> releasedQos2(String clientId, int packetId) {
        return held(releaseGates).thenCompose(ignored -> store.releasedQos2(clientId, packetId));
    }

    @Override
    public CompletableFuture<Void> save(SessionSnapshot snapshot) {
        return holdSaves ? held(saveGates).thenCompose(ignored -> store.save(snapshot)) : store.save(snapshot);
    }

    private static CompletableFuture<Void> held(List<CompletableFuture<Void>> gates) {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        gates.add(gate);
        return gate;
    }

    @Override
    public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
        return store.loadAll();
    }

    @Override
    public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
        return store.load(clientId);
    }

    @Override
    public CompletableFuture<Void> remove(String clientId) {
        return store.remove(clientId);
    }

    @Override
    public CompletableFuture<Void> append(String clientId, PendingMessage message) {
        return store.append(clientId, message);
    }

    @Override
    public CompletableFuture<Void> acknowledge(String clientId, long sequence) {
        return store.acknowledge(clientId, sequence);
    }

    @Override
    public CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        return store.receivedQos2(clientId, packetId);
    }

    @Override
    public CompletableFuture<Void> sendingQos2(String clientId, int packetId, Instant receivedAt) {
        return store.sendingQos2(clientId, packetId, receivedAt);
    }
}
