package io.mqttbridge.broker.internal;

import io.mqttbridge.broker.session.QueuedMemory;
import io.mqttbridge.broker.session.RestoredMessages;
import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
        AtomicLong restoring = new AtomicLong();
        AtomicInteger restored = new AtomicInteger();
        AtomicLong leftInStore = new AtomicLong();
        RestoredMessages prepared = new RestoredMessages();
        // A page at a time: only one page of snapshots is in memory beside the sessions made of them.
        // The content of messages past the heap bound stays in the store, read back as clients return.
        QueuedMemory queued = sessions.queuedMemory();
        long budget = queued.room();
        store.loadAll(page -> {
            long pageAt = System.nanoTime();
            // In a cluster, a session this node held before a crash may have moved on since (its
            // client reconnected on another node, which holds it now): that node keeps it.
            List<SessionSnapshot> held = page.stream().filter(snapshot -> fabric.isHolder(snapshot.clientId())).toList();
            sessions.restore(held, executors, prepared).join();
            restored.addAndGet(held.size());
            held.forEach(snapshot -> leftInStore.addAndGet(snapshot.storedOnly().size()));
            restoring.addAndGet(System.nanoTime() - pageAt);
        }, budget).get();
        if (restored.get() > 0) {
            long total = System.nanoTime() - startedAt;
            LOG.info("restored {} persistent sessions in {} ms (loading {} ms)", restored.get(),
                    TimeUnit.NANOSECONDS.toMillis(total), TimeUnit.NANOSECONDS.toMillis(total - restoring.get()));
        }
        warnAboveTheHeapBound(queued, leftInStore.get());
    }

    /*
     * The restored messages past the bound (the heap is smaller than the one that queued them, or they
     * were spilled before the stop) wait in the session store alone and are read back as their clients
     * return (OutboundQosFlows.restore).
     */
    private static void warnAboveTheHeapBound(QueuedMemory queued, long leftInStore) {
        if (leftInStore > 0 || queued.maxBytes() > 0 && queued.bytes() >= queued.maxBytes()) {
            LOG.warn("The restored sessions' queued messages reach broker.maxQueuedHeapPercent of this heap ({} MB):"
                            + " {} (and any restored past it) wait in the session store and are read back as their"
                            + " clients return. Give the process more heap (-Xmx) or raise"
                            + " broker.maxQueuedHeapPercent to keep them in memory",
                    queued.maxBytes() / (1024 * 1024), leftInStore);
        }
    }
}
