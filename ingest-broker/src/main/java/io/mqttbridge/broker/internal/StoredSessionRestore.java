package io.mqttbridge.broker.internal;

import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The broker's first start-up step: the persistent sessions this node held before it stopped (or
 * crashed) are read from the session store and recreated, offline, before any listener accepts a
 * connection, so that a reconnecting client finds its subscriptions and queued messages. Apart from
 * {@code MqttBroker} because the cluster's rule on which stored sessions stay here is its own.
 *
 * <p>Threading: blocks its caller (the broker's start, never an event loop) until every session is
 * restored; the restoring itself runs on the sessions' executors.
 */
public final class StoredSessionRestore {

    private static final Logger LOG = LoggerFactory.getLogger(StoredSessionRestore.class);

    private StoredSessionRestore() {
    }

    /**
     * Restores into {@code sessions} the sessions {@code store} holds for this node that
     * {@code fabric} says this node still holds, each on an executor from {@code executors}.
     *
     * @throws Exception when the store cannot be read or a session cannot be restored
     */
    public static void restore(SessionStore store, ClusterFabric fabric, SessionManager sessions,
                               Supplier<EventExecutor> executors) throws Exception {
        // No fixed timeout: the time grows with the number of stored sessions (the store reads
        // them in pages); a store that cannot reach its database fails on its own.
        long startedAt = System.nanoTime();
        // In a cluster, a session this node held before a crash may have moved on since (its
        // client reconnected on another node, which holds it now): that node keeps it.
        Collection<SessionSnapshot> stored = store.loadAll().get().stream()
                .filter(snapshot -> fabric.isHolder(snapshot.clientId())).toList();
        long loadedAt = System.nanoTime();
        sessions.restore(stored, executors).get();
        if (!stored.isEmpty()) {
            LOG.info("restored {} persistent sessions in {} ms (loading {} ms)", stored.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt),
                    TimeUnit.NANOSECONDS.toMillis(loadedAt - startedAt));
        }
    }
}
