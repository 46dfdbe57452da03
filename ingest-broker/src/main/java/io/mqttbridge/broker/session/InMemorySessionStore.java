package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Session snapshots in a concurrent map: sessions survive a stop/start of a broker in the same JVM
 * (tests, embedded use) but not a process restart. All calls complete synchronously.
 */
public final class InMemorySessionStore implements SessionStore {

    private final ConcurrentHashMap<String, SessionSnapshot> snapshots = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Collection<SessionSnapshot>> loadAll() {
        return CompletableFuture.completedFuture(List.copyOf(snapshots.values()));
    }

    @Override
    public CompletableFuture<Void> save(SessionSnapshot snapshot) {
        snapshots.put(snapshot.clientId(), snapshot);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> remove(String clientId) {
        snapshots.remove(clientId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
        return CompletableFuture.completedFuture(Optional.ofNullable(snapshots.get(clientId)));
    }

    /** The last snapshot saved for {@code clientId}, for tests and diagnostics. */
    public Optional<SessionSnapshot> get(String clientId) {
        return Optional.ofNullable(snapshots.get(clientId));
    }
}
