package io.mqttbridge.broker.session;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
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
    // Live sessions per owning identity, for the sessions-per-identity limit.
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> owned = new ConcurrentHashMap<>();
    private final TopicTree<Subscription> tree;
    private final SessionStore store;
    private final BrokerMetrics metrics;
    private final BrokerConfig config;
    private final ClusterFabric fabric;
    private final ArrivedSessions arrivals = new ArrivedSessions();
    private volatile java.util.function.Consumer<List<SharedMessage>> sharedOrphans = orphans -> { };

    public SessionManager(TopicTree<Subscription> tree, SessionStore store, BrokerMetrics metrics, BrokerConfig config) {
        this(tree, store, metrics, config, ClusterFabric.SINGLE_NODE);
    }

    public SessionManager(TopicTree<Subscription> tree, SessionStore store, BrokerMetrics metrics, BrokerConfig config,
                          ClusterFabric fabric) {
        this.tree = tree;
        this.store = store;
        this.metrics = metrics;
        this.config = config;
        this.fabric = fabric;
    }

    /**
     * Refuses a CONNECT in a cluster because the client id's stored session belongs to another
     * authenticated identity (or to one, and the client is anonymous).
     */
    public static final class SessionOwnedByAnotherIdentity extends RuntimeException {
        SessionOwnedByAnotherIdentity(String clientId) {
            super("the session of client id '" + clientId + "' belongs to another identity", null, false, false);
        }
    }

    /**
     * To run before {@link #open} in a cluster: makes this node the holder of {@code clientId} (the
     * node that held it disconnects it and saves its session) and, unless this node still has the
     * session or the client starts clean, loads the session from the store. On a single node it
     * completes at once, without any I/O. Callable from any thread.
     *
     * <p>The stored session's owner is checked before the claim, so that an identity can neither
     * take over nor (with clean start) delete another identity's stored session on another node.
     * The store holds persistent sessions; for a session another live node holds (clean ones
     * included) the owner named in that node's claim is checked too ({@link ClusterFabric#holderOwner}).
     *
     * @param owner the authenticated identity connecting, {@code null} when anonymous
     * @return fails with {@link SessionOwnedByAnotherIdentity} when the stored session is another identity's
     */
    public CompletableFuture<Void> prepareOpen(String clientId, boolean cleanStart, EventExecutor executor, String owner) {
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
                : store.load(clientId).thenAccept(stored -> {
                    String storedOwner = stored.map(SessionSnapshot::owner).orElse(null);
                    if (storedOwner != null && !storedOwner.equals(owner)) {
                        throw new SessionOwnedByAnotherIdentity(clientId);
                    }
                });
        CompletableFuture<Void> prepared = ownerChecked.thenCompose(checked -> fabric.claim(clientId, owner)).thenCompose(claimed -> {
            if (sessions.containsKey(clientId)) {
                return DONE;
            }
            if (cleanStart) {
                // A session another node left in the store must not come back at a later non-clean connect.
                return store.remove(clientId);
            }
            // Owned here from this load on: a survivor recovering the previous holder's shared-group
            // messages (takeSharedMessagesOf) takes them before this load or not at all.
            return store.loadToHold(clientId).thenCompose(snapshot -> snapshot.isEmpty()
                    ? DONE : restoreOne(snapshot.get(), executor).thenCompose(restored ->
                            fabric.recoverFromDeadHolder(clientId)));
        });
        prepared.whenComplete((ignored, error) -> fabric.claimSettled(clientId));
        return prepared;
    }

    /**
     * After a session was opened for a connection: in a cluster, hands it over at once if another
     * node claimed the client in the meantime (two CONNECTs at once on two nodes: the later claim wins).
     */
    public void confirmHolder(String clientId) {
        if (fabric.isClustered() && !fabric.isHolder(clientId)) {
            handOver(clientId);
        }
    }

    private CompletableFuture<Void> restoreOne(SessionSnapshot snapshot, EventExecutor executor) {
        Session session = new Session(snapshot.clientId(), this, executor);
        claim(session, snapshot.owner());
        if (sessions.putIfAbsent(snapshot.clientId(), session) != null) {
            release(session);
            return DONE;
        }
        // Before its subscriptions are in the tree: from then on messages may come directly and
        // re-forwarded by the node the session left.
        arrivals.arrived(session, 2 * fabric.reforwardWindowMillis());
        CompletableFuture<Void> done = new CompletableFuture<>();
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
        return done;
    }

    /**
     * Where the shared-subscription messages of a session that ended go (to another member of
     * their group); set once by the broker, called on the ended session's executor.
     */
    public void onSharedOrphans(java.util.function.Consumer<List<SharedMessage>> handler) {
        this.sharedOrphans = handler;
    }

    void redistribute(List<SharedMessage> orphans) {
        try {
            sharedOrphans.accept(orphans);
        } catch (RuntimeException e) {
            LOG.warn("could not give {} shared-subscription messages to other members", orphans.size(), e);
        }
    }

    /**
     * Takes out of the stored sessions of {@code node} (a dead node of the cluster) the messages
     * they got through shared subscriptions and had not delivered for sure, so that other members
     * of their groups can have them (see {@link SessionStore#takeSharedMessages}): those of
     * {@code sharedGroups}, kept by the store for {@code round} until {@link #forgetRecovered}, with
     * those earlier rounds left. Any thread.
     */
    public CompletableFuture<List<SharedMessage>> takeSharedMessagesOf(String node, java.util.Set<String> sharedGroups,
            String round) {
        return store.takeSharedMessages(node, sharedGroups, round).thenApply(taken -> taken.stream()
                .map(stored -> new SharedMessage(stored.message().message(), stored.message().sharedGroup()))
                .toList());
    }

    /** {@link SessionStore#forgetRecovered}: what {@link #takeSharedMessagesOf} returned for {@code round} was handed over. */
    public CompletableFuture<Void> forgetRecovered(String node, String round) {
        return store.forgetRecovered(node, round);
    }

    /** Sessions that moved here from another node a short while ago. */
    public ArrivedSessions arrivals() {
        return arrivals;
    }

    long reforwardWindowMillis() {
        return fabric.reforwardWindowMillis();
    }

    /** A message reached {@code clientId}'s session here after it moved to another node. */
    CompletableFuture<Void> reforward(String clientId, io.mqttbridge.broker.spi.PublishedMessage message) {
        return fabric.reforward(clientId, message);
    }

    /**
     * Another node took {@code clientId} over: disconnects it here (0x8E), saves its session and
     * forgets it on this node without removing it from the store.
     *
     * @return completes once the store has the session (at once when this node has none)
     */
    public CompletableFuture<Void> handOver(String clientId) {
        Session session = sessions.get(clientId);
        return session == null ? DONE : session.moveAway();
    }

    /**
     * Finds the session to resume or creates a new one. With {@code cleanStart} an existing session
     * is ended (its connection, if any, is disconnected with 0x8E) and a new one takes its place.
     *
     * <p>A session created by an authenticated identity belongs to it: another identity, or an
     * anonymous client, can neither resume nor replace it, so that a client id alone never gives
     * access to another device's session.
     *
     * @param owner the authenticated identity (device id) connecting, or {@code null} when anonymous
     * @return the session, or {@code null} (and nothing changed) when the session under
     *     {@code clientId} belongs to another identity
     */
    public Opened open(String clientId, boolean cleanStart, EventExecutor executor, String owner) {
        Session[] replaced = new Session[1];
        boolean[] present = new boolean[1];
        boolean[] refused = new boolean[1];
        Session session = sessions.compute(clientId, (id, existing) -> {
            if (existing != null && !existing.isEnded() && !existing.mayBeOpenedBy(owner)) {
                refused[0] = true;
                return existing;
            }
            if (existing != null && !cleanStart && !existing.isEnded()) {
                present[0] = true;
                claim(existing, owner);
                return existing;
            }
            replaced[0] = existing;
            Session created = new Session(id, this, executor);
            claim(created, owner);
            return created;
        });
        if (refused[0]) {
            return null;
        }
        if (replaced[0] != null) {
            replaced[0].endFromOutside(MqttReasonCode.SESSION_TAKEN_OVER, DisconnectInfo.SESSION_TAKEN_OVER);
        }
        return new Opened(session, present[0]);
    }

    private void claim(Session session, String owner) {
        if (owner != null && !owner.equals(session.owner())) {
            session.claimBy(owner);
            owned.computeIfAbsent(owner, o -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
        }
    }

    private void release(Session session) {
        String owner = session.owner();
        if (owner != null) {
            owned.computeIfPresent(owner, (o, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
    }

    /** Live sessions that belong to {@code owner}; approximate while connects race. */
    public int countOwnedBy(String owner) {
        var count = owned.get(owner);
        return count == null ? 0 : count.get();
    }

    /** Whether opening {@code clientId} for {@code owner} would give the owner one more session. */
    public boolean wouldAddSessionFor(String owner, String clientId) {
        Session existing = sessions.get(clientId);
        return existing == null || existing.isEnded() || !owner.equals(existing.owner());
    }
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

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
            claim(session, snapshot.owner());
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
        boolean revived = sessions.putIfAbsent(session.clientId(), session) == null;
        if (revived && session.owner() != null) {
            owned.computeIfAbsent(session.owner(), o -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
        }
        return revived;
    }

    void addToTree(Subscription subscription, boolean isNew) {
        boolean replaced = tree.add(subscription.filter(), subscription.shareGroup(), subscription.session(), subscription);
        if (isNew) {
            metrics.subscriptions(1);
        }
        if (!replaced) {
            fabric.subscriptionAdded(subscription.topicFilter());
        }
    }

    void removeFromTree(Subscription subscription) {
        if (tree.remove(subscription.filter(), subscription.shareGroup(), subscription.session()) != null) {
            metrics.subscriptions(-1);
            fabric.subscriptionRemoved(subscription.topicFilter());
        }
    }

    /** A session moved to another node: gone from here, kept in the store. */
    void forget(Session session) {
        release(session);
        sessions.remove(session.clientId(), session);
    }

    CompletableFuture<Void> saveNow(SessionSnapshot snapshot) {
        return store.save(snapshot).whenComplete((ignored, error) -> logStoreFailure(error, snapshot.clientId()));
    }

    /**
     * @param mayBeStored whether the session was ever written to the store; a clean session that
     *     never was needs no delete (in a cluster the store is shared, so the delete is always made)
     */
    void ended(Session session, boolean mayBeStored) {
        release(session);
        if (sessions.remove(session.clientId(), session) && fabric.isClustered()) {
            fabric.sessionEnded(session.clientId());
        }
        if (mayBeStored || fabric.isClustered()) {
            store.remove(session.clientId()).whenComplete((ignored, error) -> logStoreFailure(error, session.clientId()));
        }
    }

    void save(SessionSnapshot snapshot) {
        store.save(snapshot).whenComplete((ignored, error) -> logStoreFailure(error, snapshot.clientId()));
    }

    CompletableFuture<Void> append(String clientId, SessionSnapshot.PendingMessage message) {
        CompletableFuture<Void> stored = store.append(clientId, message);
        stored.whenComplete((ignored, error) -> logStoreFailure(error, clientId));
        return stored;
    }

    CompletableFuture<Void> sendingQos2(String clientId, int packetId, Instant receivedAt) {
        CompletableFuture<Void> stored = store.sendingQos2(clientId, packetId, receivedAt);
        stored.whenComplete((ignored, error) -> logStoreFailure(error, clientId));
        return stored;
    }

    CompletableFuture<Void> receivedQos2(String clientId, int packetId) {
        CompletableFuture<Void> stored = store.receivedQos2(clientId, packetId);
        stored.whenComplete((ignored, error) -> logStoreFailure(error, clientId));
        return stored;
    }

    void releasedQos2(String clientId, int packetId) {
        store.releasedQos2(clientId, packetId).whenComplete((ignored, error) -> logStoreFailure(error, clientId));
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
