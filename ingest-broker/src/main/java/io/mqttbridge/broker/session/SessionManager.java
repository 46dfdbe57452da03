package io.mqttbridge.broker.session;

import io.mqttbridge.broker.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.routing.TopicTree;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * All sessions of the broker by client id, and the topic tree their subscriptions live in.
 * Thread-safe: sessions are created and replaced atomically per client id.
 */
public final class SessionManager {

    private static final Logger LOG = LoggerFactory.getLogger(SessionManager.class);

    /** The result of opening a session for a CONNECT. */
    public record Opened(Session session, boolean sessionPresent) {
    }

    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final TopicTree<Subscription> tree;
    private final SessionStore store;
    private final BrokerMetrics metrics;
    private final BrokerConfig config;

    public SessionManager(TopicTree<Subscription> tree, SessionStore store, BrokerMetrics metrics, BrokerConfig config) {
        this.tree = tree;
        this.store = store;
        this.metrics = metrics;
        this.config = config;
    }

    /**
     * Finds the session to resume or creates a new one. With {@code cleanStart} an existing session
     * is ended (its connection, if any, is disconnected with 0x8E) and a new one takes its place.
     */
    public Opened open(String clientId, boolean cleanStart, EventExecutor executor) {
        Session[] replaced = new Session[1];
        boolean[] present = new boolean[1];
        Session session = sessions.compute(clientId, (id, existing) -> {
            if (existing != null && !cleanStart && !existing.isEnded()) {
                present[0] = true;
                return existing;
            }
            replaced[0] = existing;
            return new Session(id, this, executor);
        });
        if (replaced[0] != null) {
            replaced[0].endFromOutside(0x8E, DisconnectInfo.SESSION_TAKEN_OVER);
        }
        return new Opened(session, present[0]);
    }

    public Session get(String clientId) {
        return sessions.get(clientId);
    }

    public Collection<Session> all() {
        return sessions.values();
    }

    public int size() {
        return sessions.size();
    }

    /**
     * Recreates offline sessions from the store, before the broker accepts connections.
     *
     * @return completes when every session is restored (the work runs on the sessions' executors)
     */
    public CompletableFuture<Void> restore(Collection<SessionSnapshot> snapshots, Supplier<EventExecutor> executors) {
        List<CompletableFuture<Void>> restored = new ArrayList<>();
        for (SessionSnapshot snapshot : snapshots) {
            Session session = new Session(snapshot.clientId(), this, executors.get());
            sessions.put(snapshot.clientId(), session);
            CompletableFuture<Void> done = new CompletableFuture<>();
            restored.add(done);
            session.execute(() -> {
                try {
                    session.restore(snapshot);
                    for (SessionSnapshot.StoredSubscription stored : snapshot.subscriptions()) {
                        session.subscribe(Subscriptions.fromStored(session, stored));
                    }
                } finally {
                    done.complete(null);
                }
            });
        }
        return CompletableFuture.allOf(restored.toArray(CompletableFuture[]::new));
    }

    /** Snapshots of every session that outlives its connection, taken on their executors. */
    public CompletableFuture<Void> saveAll() {
        List<CompletableFuture<Void>> saves = new ArrayList<>();
        for (Session session : sessions.values()) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            saves.add(done);
            session.execute(() -> {
                try {
                    SessionSnapshot snapshot = session.snapshot();
                    if (snapshot.sessionExpirySeconds() != 0 && !session.isEnded()) {
                        save(snapshot);
                    }
                } finally {
                    done.complete(null);
                }
            });
        }
        return CompletableFuture.allOf(saves.toArray(CompletableFuture[]::new));
    }

    /** Puts an ended session back under its client id, unless a newer session took the id. */
    boolean revive(Session session) {
        return sessions.putIfAbsent(session.clientId(), session) == null;
    }

    void addToTree(Subscription subscription, boolean isNew) {
        tree.add(subscription.filter(), subscription.shareGroup(), subscription.session(), subscription);
        if (isNew) {
            metrics.subscriptions(1);
        }
    }

    void removeFromTree(Subscription subscription) {
        if (tree.remove(subscription.filter(), subscription.shareGroup(), subscription.session()) != null) {
            metrics.subscriptions(-1);
        }
    }

    void ended(Session session) {
        sessions.remove(session.clientId(), session);
        store.remove(session.clientId()).whenComplete((ignored, error) -> logStoreFailure(error, session.clientId()));
    }

    void save(SessionSnapshot snapshot) {
        store.save(snapshot).whenComplete((ignored, error) -> logStoreFailure(error, snapshot.clientId()));
    }

    CompletableFuture<Void> append(String clientId, SessionSnapshot.PendingMessage message) {
        CompletableFuture<Void> stored = store.append(clientId, message);
        stored.whenComplete((ignored, error) -> logStoreFailure(error, clientId));
        return stored;
    }

    void acknowledge(String clientId, long sequence) {
        store.acknowledge(clientId, sequence).whenComplete((ignored, error) -> logStoreFailure(error, clientId));
    }

    private void logStoreFailure(Throwable error, String clientId) {
        if (error != null) {
            metrics.storeFailure();
            LOG.warn("session store failed for client {}", clientId, error);
        }
    }

    BrokerMetrics metrics() {
        return metrics;
    }

    BrokerConfig config() {
        return config;
    }
}
