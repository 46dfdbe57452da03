package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;

import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One MQTT session: its state (subscriptions, the connection attached, if any, whether it outlives
 * it) and the entry points of its lifecycle. The state is kept in this one object, so that an idle
 * session costs little memory and a connect allocates nothing more than it needs; the steps of the
 * lifecycle, which only act on that state, are classes of their own: {@link SessionAttacher}
 * (a connection attaches, taking over one still attached), {@link SessionDetacher} (it closes),
 * {@link SessionHandOver} (another node takes the client over), {@link SessionTermination} (the
 * session ends or expires), with {@link PermissionReview}, {@link SessionDelivery} and
 * {@link SessionSnapshots}. The messages on their way to the client are kept by {@link
 * OutboundQosFlows}, its inbound QoS 2 flows between connections by {@link HeldInboundQos2}, its
 * expiry and delayed will by {@link OfflineTimers}.
 *
 * <p>Threading: a session is an actor. Every mutation runs as a task through {@link #execute}, one
 * at a time and in submission order, on the session's executor, which is the event loop of the
 * attached connection (or of the last one): see {@link SessionMailbox}. Callers on any thread (other
 * connections' event loops routing a message, the downlink) only enqueue tasks; nothing on the
 * publish path takes a lock. The package-private mutators are for the lifecycle classes and must
 * run in the session's tasks; the volatile flags may be read from any thread.
 */
public final class Session {

    private static final CompletableFuture<Void> SAVED = CompletableFuture.completedFuture(null);
    private static final Map<String, Subscription> NO_SUBSCRIPTIONS = Collections.emptyMap();

    private final String clientId;
    private final SessionManager manager;
    private final SessionMailbox mailbox;
    /* An empty map that takes nothing until the first subscription: a device that only publishes never
       has a map of its own (64 bytes). Volatile: the map is read from any thread. */
    private volatile Map<String, Subscription> subscriptions = NO_SUBSCRIPTIONS;
    private volatile ClientConnection connection;
    private volatile boolean ended;
    // The authenticated identity that created or resumed this session (kept in its snapshots); null
    // for an anonymous one. Changed only inside SessionManager.open's per-client-id compute (or
    // before a restored session is published), hence atomically with the ownership check.
    private volatile String owner;
    /** Ended here because another node of the cluster took the client over: the session continues there. */
    /* Volatile: the inbound QoS 2 routing of its connections reads it on their event loops. */
    private volatile boolean movedAway;
    /* Moved away, and what its subscriptions still match here goes to the node it moved to. */
    private volatile boolean forwardsElsewhere;
    /* Whether the session outlives its connection: its QoS 1/2 messages are then written through. */
    private volatile boolean persistent;
    /* Whether the store may hold this session (it was persistent once, or restored): only then does
       its end cost the store a delete. Most sessions are clean ones that never reach the store. */
    private boolean mayBeStored;

    /* Created for the first message to the client ({@link #outbound()}): an idle session that never
       gets one does without (112 bytes). Volatile: deliveryState() reads it from any thread. */
    private volatile OutboundQosFlows outbound;
    private long sessionExpirySeconds;
    private Instant disconnectedAt;
    /* Created when the session first waits offline: most sessions never do. */
    private OfflineTimers timers;
    /* The inbound QoS 2 state of this session's connections, written through while it is persistent. */
    private final HeldInboundQos2 inboundQos2;

    Session(String clientId, SessionManager manager, EventExecutor executor) {
        this.clientId = clientId;
        this.manager = manager;
        this.mailbox = new SessionMailbox(this, executor);
        this.inboundQos2 = new HeldInboundQos2(this, manager.storeWriter());
    }

    /**
     * The session {@code channel}'s connection was attached to (it stays set after the session moved
     * on to a newer connection), or {@code null} before CONNACK. Safe from any thread.
     */
    public static Session of(Channel channel) {
        ClientConnection connection = ClientConnection.of(channel);
        return connection == null ? null : (Session) connection.attachedSession();
    }

    /**
     * Whether the session outlives its connection, so that QoS 1/2 messages for it are stored before
     * their publisher is acknowledged; safe from any thread (a volatile read, may be just stale).
     */
    public boolean isPersistent() {
        return persistent;
    }

    public String clientId() {
        return clientId;
    }

    /** What waits for the client now; safe from any thread. */
    public DeliveryState deliveryState() {
        OutboundQosFlows flows = outbound;
        return flows == null ? DeliveryState.NOTHING : flows.state();
    }

    /** The identity this session belongs to, or {@code null} when anonymous or not known. */
    public String owner() {
        return owner;
    }

    public boolean isOnline() {
        return connection != null;
    }

    /**
     * Whether the session moved to another node and messages routed to it here are sent on there
     * (for a short while after the move); safe from any thread.
     */
    public boolean forwardsElsewhere() {
        return forwardsElsewhere;
    }

    public boolean isEnded() {
        return ended;
    }

    /** The attached connection, or {@code null}; safe from any thread (a volatile read). */
    public ClientConnection connection() {
        return connection;
    }

    /** The session's subscriptions by filter as sent; a concurrent view, safe from any thread. */
    public Collection<Subscription> subscriptions() {
        return subscriptions.values();
    }

    /** Runs {@code task} on the session's executor after every task submitted before it; from any thread. */
    public void execute(Runnable task) {
        mailbox.execute(task);
    }

    /** Runs {@code task} through {@link #execute} after {@code delayMillis}; from any thread. */
    public void executeLater(Runnable task, long delayMillis) {
        mailbox.executor().schedule(() -> execute(task), delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Flushes what the session's tasks wrote (after each run of them). */
    void flushConnection() {
        ClientConnection current = connection;
        if (current != null) {
            current.flushSoon();
        }
    }

    /**
     * Attaches {@code newConnection}: moves the session to its event loop, disconnects a connection
     * still attached (session takeover, reason 0x8E), cancels a pending will and the expiry, then runs
     * {@code onAttached} (which sends CONNACK) before resending unacknowledged messages with DUP set
     * and the messages queued while offline.
     */
    public void attach(ClientConnection newConnection, long expirySeconds, Consumer<Boolean> onAttached) {
        SessionAttacher.attach(this, newConnection, expirySeconds, onAttached);
    }

    /**
     * The connection closed. Publishes or schedules its will ({@code will} may be null) and ends
     * the session or schedules its expiry. Tells the listener last.
     */
    public void detach(ClientConnection closed, Runnable will, long willDelaySeconds, Runnable afterDetach) {
        SessionDetacher.detach(this, closed, will, willDelaySeconds, afterDetach);
    }

    /** Ends the session on its executor: e.g. replaced by a clean start. Kicks a connection still attached. */
    public void endFromOutside(int reasonCode, String reason) {
        SessionTermination.endFromOutside(this, reasonCode, reason);
    }

    /** Adds or replaces a subscription (on the session's executor); completes once the cluster can find it here. */
    public CompletableFuture<Void> subscribe(Subscription subscription) {
        if (subscriptions == NO_SUBSCRIPTIONS) {
            subscriptions = new ConcurrentHashMap<>();
        }
        Subscription previous = subscriptions.put(subscription.topicFilter(), subscription);
        return manager.routes().add(subscription, previous == null);
    }

    /** Whether the session subscribes to {@code topicFilter} (as the client sent it); on the session's executor. */
    public boolean subscribes(String topicFilter) {
        return subscriptions.containsKey(topicFilter);
    }

    /**
     * Decides every subscription again under {@code permissions} (those of a connection resuming the
     * session, or changed rules): a subscription no longer allowed is removed, the others get the
     * delivery filter the rules now give them. Must run on the session's executor.
     *
     * @return the filters (as the client sent them) that were removed
     */
    public List<String> applyPermissions(TopicPermissions permissions) {
        return PermissionReview.apply(this, permissions);
    }

    /** Removes a subscription; must run on the session's executor. @return whether it existed */
    public boolean unsubscribe(String topicFilter) {
        Subscription removed = subscriptions.remove(topicFilter);
        if (removed == null) {
            return false;
        }
        manager.routes().remove(removed);
        if (removed.shareGroup() != null && outbound != null) {
            // Out of the tree by now: another member of the group gets what was queued for this one.
            List<SharedMessage> orphans = outbound.takeQueuedShared(topicFilter);
            if (!orphans.isEmpty()) {
                manager.sharedOrphans().redistribute(orphans);
            }
        }
        return true;
    }

    /** Saves a snapshot when this session can outlive its connection (on the executor); done once stored or failed. */
    public CompletableFuture<Void> saveIfPersistent(long expirySeconds) {
        if (expirySeconds == 0) {
            return SAVED;
        }
        markMayBeStored();
        return manager.storeWriter().saveNow(snapshot());
    }

    /**
     * Hands a message to this session from any thread: sent at once when the client is connected
     * and its window allows, else queued (bounded, oldest dropped first).
     */
    public void deliver(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds, Runnable onHandled) {
        deliver(message, qos, retain, subscriptionIds, onHandled, null);
    }

    /**
     * Like {@link #deliver(RoutedMessage, int, boolean, int[], Runnable)}; {@code stored}, when not
     * null, completes once the message is durable in the session store (at once when the session
     * does not write it through: not persistent any more, QoS 0, ended), or exceptionally when the
     * store failed.
     */
    public void deliver(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds, Runnable onHandled,
                        CompletableFuture<Void> stored) {
        deliver(message, qos, retain, subscriptionIds, onHandled, stored, null);
    }

    /**
     * Like {@link #deliver(RoutedMessage, int, boolean, int[], Runnable, CompletableFuture)} for a
     * message that came through the shared subscription {@code sharedGroup} ({@code $share/g/f}):
     * if the session ends before the client has it for sure, another member of the group gets it.
     */
    public void deliver(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds, Runnable onHandled,
                        CompletableFuture<Void> stored, String sharedGroup) {
        SessionDelivery.deliver(this, message, qos, retain, subscriptionIds, onHandled, stored, sharedGroup);
    }

    /** The outbound QoS 1/2 flows and the queue, created when first asked for; only in tasks run through {@link #execute}. */
    public OutboundQosFlows outbound() {
        OutboundQosFlows flows = outbound;
        if (flows == null) {
            flows = new OutboundQosFlows(this, manager);
            outbound = flows;
        }
        return flows;
    }

    /** The outbound flows when a message ever needed them, else null (nothing queued or in flight); in tasks. */
    OutboundQosFlows outboundIfAny() {
        return outbound;
    }

    /** The durable state now; on the executor. */
    public SessionSnapshot snapshot() {
        return SessionSnapshots.take(this);
    }

    /** How many messages wait for this client (queued plus unacknowledged); on the executor. */
    public int pendingCount() {
        OutboundQosFlows flows = outbound;
        return flows == null ? 0 : flows.count();
    }

    // The state the lifecycle classes act on: in the session's tasks only, unless said otherwise.

    /** Starts or stops writing the session's QoS 1/2 messages through to the store. */
    void setPersistent(boolean value) {
        persistent = value;
        mayBeStored |= value;
        if (outbound != null) {
            outbound.writeThrough(value ? manager.storeWriter().messageLog(clientId) : null);
        }
    }

    /**
     * The client came back with a session expiry of 0: the session ends with this connection, so it is
     * no longer persistent; what it holds in the store alone is still read back, and later messages
     * are written through behind it until then ({@link OutboundQosFlows#stopWritingThroughOnceReadBack}).
     */
    void stopPersistingOnceReadBack() {
        persistent = false;
        if (outbound != null) {
            outbound.stopWritingThroughOnceReadBack();
        }
    }

    /** Whether {@code identity} (null = anonymous) may resume or replace this session; any thread. */
    boolean mayBeOpenedBy(String identity) {
        String current = owner;
        return current == null || current.equals(identity);
    }

    /** In {@link SessionOwners#claim} only (null = anonymous: the owner stays). */
    void claimBy(String identity) {
        if (identity != null) {
            owner = identity;
        }
    }

    /** Whether the session moved to another node; any thread. */
    boolean hasMovedAway() { return movedAway; }

    /** {@code attached} is now the session's connection, and its channel says so. */
    void attachTo(ClientConnection attached) {
        connection = attached;
        attached.setAttachedSession(this);
    }

    /** No connection is attached any more (the caller disconnected it, or it closed). */
    void clearConnection() { connection = null; }

    void markEnded() { ended = true; }

    /** An ended session continues (revived under its client id). */
    void reopen() { ended = false; }

    /** Another node of the cluster took the client over: the session continues there. */
    void markMovedAway() { movedAway = true; }

    void setForwardsElsewhere(boolean value) { forwardsElsewhere = value; }

    /** Whether the session has any subscription, without making a view of them; any thread. */
    boolean hasSubscriptions() { return !subscriptions.isEmpty(); }

    /** Forgets every subscription, which the caller has taken out of the topic tree. */
    void clearSubscriptions() { subscriptions.clear(); }

    long sessionExpirySeconds() { return sessionExpirySeconds; }

    void setSessionExpirySeconds(long seconds) { sessionExpirySeconds = seconds; }

    /** When the session went offline, or {@code null} while online. */
    Instant disconnectedAt() { return disconnectedAt; }

    void setDisconnectedAt(Instant at) { disconnectedAt = at; }

    /** The store may hold this session from now on: its end costs a delete. */
    void markMayBeStored() { mayBeStored = true; }

    boolean mayBeStored() { return mayBeStored; }

    /** The timers of the session while offline, created when first needed. */
    OfflineTimers timers() {
        if (timers == null) {
            timers = new OfflineTimers(this, mailbox);
        }
        return timers;
    }

    /**
     * Cancels the expiry and the will delay: the session is online again, moved away or ended.
     *
     * @return the will held back by the will delay, which the caller now owns (to publish when the
     *     session ends, to drop when it continues), or {@code null}
     */
    Runnable stopOfflineTimers() {
        if (timers == null) {
            return null;
        }
        timers.cancel();
        return timers.takePendingWill();
    }

    SessionMailbox mailbox() { return mailbox; }

    SessionManager manager() { return manager; }

    HeldInboundQos2 inboundQos2() { return inboundQos2; }
}
