package io.mqttbridge.broker.spi;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Persistence of MQTT sessions that outlive their connection (clean session 0 in 3.1.1, a non-zero
 * session expiry interval in 5.0), so that a restarted broker can restore them.
 *
 * <p>The broker keeps the live state of every session in memory and writes a {@link SessionSnapshot}
 * through this interface at well-defined points: when a persistent session goes offline, when the
 * subscriptions of an offline-capable session change, and for every offline session when the
 * broker stops. It calls {@link #remove} when a session ends (expiry, clean start, clean
 * disconnect). It calls {@link #loadAll} once, while starting, before accepting connections.
 * Messages queued for an offline session after its last snapshot are therefore only as durable as
 * the next snapshot; a durable implementation may append them itself through {@link #save} calls.
 *
 * <p>Threading: called on event loops (and on the thread calling {@code MqttBroker.start/stop});
 * must not block. Futures may complete on any thread. Calls for one client id are made in order,
 * but the broker does not wait for one to complete before issuing the next, so implementations
 * must apply them in call order. Implementations must be thread-safe.
 *
 * <p>Errors: failures of {@link #save} and {@link #remove} are logged and counted; the live
 * session is unaffected. A failed {@link #loadAll} fails the broker's start.
 */
public interface SessionStore {

    CompletableFuture<Collection<SessionSnapshot>> loadAll();

    CompletableFuture<Void> save(SessionSnapshot snapshot);

    CompletableFuture<Void> remove(String clientId);

    /**
     * The stored session of {@code clientId}, for a node that takes a client over from another node
     * of a cluster. The default reads {@link #loadAll}; stores shared by several nodes override it.
     */
    default CompletableFuture<Optional<SessionSnapshot>> load(String clientId) {
        return loadAll().thenApply(all -> all.stream().filter(s -> s.clientId().equals(clientId)).findFirst());
    }
}
