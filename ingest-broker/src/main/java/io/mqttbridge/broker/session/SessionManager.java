package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.broker.topic.TopicTree;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * All sessions of this node by client id: opening one for a CONNECT (resumed, or new with clean
 * start), restoring them from the store at start and saving them at stop, and the registry changes
 * of a session's lifecycle (ended, moved away, revived). It is the one object the rest of the
 * broker holds; the parts of the work that are concerns of their own are {@link ClusterTakeover}
 * (one connection per client id across the cluster), {@link SessionOwners} (which identity each
 * session belongs to), {@link SessionStoreWriter} (the writes to the store), {@link
 * SubscriptionRoutes} (the topic tree) and {@link SharedGroupOrphans}.
 *
 * <p>Threading: thread-safe; sessions are created and replaced atomically per client id (inside
 * the map's {@code compute}, where a session's owner is checked and set too). What acts on one
 * session's state runs in that session's tasks.
 */
public final class SessionManager {

    /** The result of opening a session for a CONNECT. */
    public record Opened(Session session, boolean sessionPresent) {
    }

    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final SessionOwners owners = new SessionOwners();
    private final BrokerMetrics metrics;
    private final BrokerConfig config;
    private final ClusterFabric fabric;
    private final SessionStoreWriter storeWriter;
    private final SubscriptionRoutes routes;
    private final ArrivedSessions arrivals = new ArrivedSessions();
    private final SharedGroupOrphans sharedOrphans;
    private final ClusterTakeover takeover;
    private final QueueOverflow queueOverflow;
    private final QueuedMemory queuedMemory;
    private final RetainedGates retainedGates = new RetainedGates();
    private final RecoveryHolds recoveryHolds = new RecoveryHolds();
    private final IdentityChanges identityChanges = new IdentityChanges();
    // Sessions handed over to another node that still re-forward what reaches them here.
    private final AtomicInteger reforwarding = new AtomicInteger();

    public SessionManager(TopicTree<Subscription> tree, SessionStore store, BrokerMetrics metrics, BrokerConfig config) {
        this(tree, store, metrics, config, ClusterFabric.SINGLE_NODE);
    }

    public SessionManager(TopicTree<Subscription> tree, SessionStore store, BrokerMetrics metrics, BrokerConfig config,
                          ClusterFabric fabric) {
        this.metrics = metrics;
        this.config = config;
        this.fabric = fabric;
        this.storeWriter = new SessionStoreWriter(store, metrics);
        this.routes = new SubscriptionRoutes(tree, metrics, fabric);
        this.sharedOrphans = new SharedGroupOrphans(store);
        this.takeover = new ClusterTakeover(this, owners, store, fabric, arrivals, recoveryHolds);
        this.queueOverflow = new QueueOverflow(config.getQueueOverflowPolicy(), metrics);
        this.queuedMemory = QueuedMemory.ofHeapPercent(config.getMaxQueuedHeapPercent());
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
     * <p>The caller calls {@link #connectSettled} once the CONNECT opened its session or was refused.
     *
     * @param owner the authenticated identity connecting, {@code null} when anonymous
     * @return fails with {@link SessionOwnedByAnotherIdentity} when the stored session is another identity's
     */
    public CompletableFuture<Void> prepareOpen(String clientId, boolean cleanStart, EventExecutor executor, String owner) {
        return takeover.prepareOpen(clientId, cleanStart, executor, owner);
    }

    /**
     * After {@link #prepareOpen}'s CONNECT opened its session ({@link #open}, its attach queued) or was
     * refused: in a cluster, another node's claim of the client may take the session over from now
     * on, and messages re-forwarded for it may be delivered ({@link ClusterFabric#claimSettled}).
     */
    public void connectSettled(String clientId) {
        if (fabric.isClustered()) {
            fabric.claimSettled(clientId);
        }
    }

    /**
     * After a session was opened for a connection: in a cluster, hands it over at once if another
     * node claimed the client in the meantime (two CONNECTs at once on two nodes: the later claim wins).
     */
    public void confirmHolder(String clientId) {
        takeover.confirmHolder(clientId);
    }

    /**
     * Where the shared-subscription messages of a session that ended go (to another member of
     * their group); set once by the broker, called on the ended session's executor.
     */
    public void onSharedOrphans(java.util.function.Consumer<List<SharedMessage>> handler) {
        sharedOrphans.handleWith(handler);
    }

    /** Where the shared-subscription messages a session can no longer deliver go. */
    SharedGroupOrphans sharedOrphans() {
        return sharedOrphans;
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
        return sharedOrphans.takeOfDeadNode(node, sharedGroups, round);
    }

    /** {@link SessionStore#forgetRecovered}: what {@link #takeSharedMessagesOf} returned for {@code round} was handed over. */
    public CompletableFuture<Void> forgetRecovered(String node, String round) {
        return sharedOrphans.forgetRecovered(node, round);
    }

    /** Sessions that moved here from another node a short while ago. */
    public ArrivedSessions arrivals() {
        return arrivals;
    }

    long reforwardWindowMillis() {
        return fabric.reforwardWindowMillis();
    }

    /** Live messages waiting for the recovery of a session from a dead node. */
    public RecoveryHolds recoveryHolds() {
        return recoveryHolds;
    }

    /** Live messages waiting for a new subscription's retained ones. */
    public RetainedGates retainedGates() {
        return retainedGates;
    }

    /** Changes of identities that a CONNECT in progress may have missed. */
    public IdentityChanges identityChanges() {
        return identityChanges;
    }

    /** See {@link #awaitReforwardsEnded}. */
    AtomicInteger reforwarding() {
        return reforwarding;
    }

    /**
     * Waits until no session handed over from here re-forwards any more, at most {@code boundMillis}
     * (for a clean stop: see {@code BrokerClusterMember.leave}).
     *
     * @return false when the bound passed first
     */
    public boolean awaitReforwardsEnded(long boundMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMillis);
        while (reforwarding.get() > 0) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(10); // a stop, on its own thread: nothing else waits for this poll
        }
        return true;
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
        return takeover.handOver(clientId);
    }

    /**
     * Finds the session to resume or creates a new one. With {@code cleanStart} an existing session
     * is ended (its connection, if any, is disconnected with 0x8E) and a new one takes its place.
     *
     * <p>A session created by an authenticated identity belongs to it: another identity, or an
     * anonymous client, can neither resume nor replace it, so that a client id alone never gives
     * access to another device's session. A session an anonymous client created is replaced by a
     * new one when an identity connects with its client id, without clean start too: an anonymous
     * client cannot plant subscriptions or messages for a device.
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
            // A session whose connection has expiry 0 is over once that connection closes, even before the
            // close is processed, or is closed by this takeover: the new connection must not find it.
            // An identity never inherits what an anonymous client left under its client id (subscriptions
            // planted for it, queued messages): it starts a new session, as with clean start.
            boolean plantedByAnonymous = existing != null && existing.owner() == null && owner != null;
            if (existing != null && !cleanStart && !existing.isEnded() && !endsWithItsConnection(existing)
                    && !plantedByAnonymous) {
                present[0] = true;
                owners.claim(existing, owner);
                return existing;
            }
            replaced[0] = existing;
            Session created = new Session(id, this, executor);
            owners.claim(created, owner);
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

    /** Live sessions that belong to {@code owner}; approximate while connects race. */
    public int countOwnedBy(String owner) {
        return owners.countOwnedBy(owner);
    }

    /** Whether opening {@code clientId} for {@code owner} would give the owner one more session. */
    public boolean wouldAddSessionFor(String owner, String clientId) {
        Session existing = sessions.get(clientId);
        return existing == null || existing.isEnded() || !owner.equals(existing.owner());
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
     * Recreates offline sessions from the store (one page of them), before the broker accepts
     * connections, their messages prepared through {@code prepared}, which the pages of one start-up share.
     *
     * @return completes when every session is restored (the work runs on the sessions' executors)
     */
    public CompletableFuture<Void> restore(Collection<SessionSnapshot> snapshots, Supplier<EventExecutor> executors,
                                           RestoredMessages prepared) {
        List<CompletableFuture<Void>> restored = new ArrayList<>();
        for (SessionSnapshot snapshot : snapshots) {
            Session session = new Session(snapshot.clientId(), this, executors.get());
            owners.claim(session, snapshot.owner());
            sessions.put(snapshot.clientId(), session);
            restored.add(SessionSnapshots.restoreInTask(session, snapshot, prepared::of));
        }
        return CompletableFuture.allOf(restored.toArray(CompletableFuture[]::new));
    }

    /** Puts {@code session} under its client id unless one is there already. @return whether it was put */
    boolean addIfAbsent(Session session) {
        return sessions.putIfAbsent(session.clientId(), session) == null;
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
                        storeWriter.save(snapshot);
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
        boolean revived = addIfAbsent(session);
        if (revived) {
            owners.revived(session);
        }
        return revived;
    }

    /** A session moved to another node: gone from here, kept in the store. */
    void forget(Session session) {
        owners.release(session);
        sessions.remove(session.clientId(), session);
    }

    /**
     * @param mayBeStored whether the session was ever written to the store; a clean session that
     *     never was needs no delete (in a cluster the store is shared, so the delete is always made)
     */
    void ended(Session session, boolean mayBeStored) {
        owners.release(session);
        if (sessions.remove(session.clientId(), session) && fabric.isClustered()) {
            fabric.sessionEnded(session.clientId());
        }
        if (mayBeStored || fabric.isClustered()) {
            storeWriter.remove(session.clientId());
        }
    }

    /** Where the sessions' subscriptions go into and out of the topic tree. */
    SubscriptionRoutes routes() {
        return routes;
    }

    /** The writes of this node's sessions to the store. */
    SessionStoreWriter storeWriter() {
        return storeWriter;
    }

    BrokerMetrics metrics() {
        return metrics;
    }

    /** What every session's full queue does (one for all: it holds no state of a session's). */
    QueueOverflow queueOverflow() {
        return queueOverflow;
    }

    /** What the queues of all sessions hold of the heap ({@code broker.maxQueuedHeapPercent}). */
    public QueuedMemory queuedMemory() {
        return queuedMemory;
    }

    BrokerConfig config() {
        return config;
    }

    /**
     * Whether the connection attached to {@code session} has a session expiry of 0: the session ends
     * with it (MQTT 5 section 3.1.2.11.2; 3.1.1 clean session [MQTT-3.1.2-6]), whether that connection
     * already closed (its close may not be processed yet) or is about to be closed by the CONNECT that
     * takes it over [MQTT-3.1.4-3]: either way a new CONNECT must not find the session [MQTT-3.2.2-3]
     * (an expiry of 0 cannot be raised at DISCONNECT). Safe from any thread: the expiry is set before
     * the session is attached, and the connection is a volatile read.
     */
    private static boolean endsWithItsConnection(Session session) {
        ClientConnection current = session.connection();
        return current != null && current.sessionExpirySeconds() == 0;
    }
}
