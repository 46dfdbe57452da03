package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.ClientConnection.SendResult;
import io.mqttbridge.broker.connection.InboundPublishes.Qos2Flow;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The state of one MQTT session: subscriptions, messages queued for the client and outbound QoS
 * 1/2 messages awaiting acknowledgement, and the connection currently attached (if any).
 *
 * <p>Threading: a session is an actor. Every mutation runs as a task through {@link #execute}, one
 * at a time and in submission order, on the session's executor, which is the event loop of the
 * attached connection (or of the last one). Callers on any thread (other connections' event loops
 * routing a message, the downlink) only enqueue tasks; nothing on the publish path takes a lock.
 */
public final class Session {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final int MAX_TASKS_PER_RUN = 512;
    private static final int INITIAL_QUEUE_CAPACITY = 4;
    private static final Map<Integer, Pending> NO_INFLIGHT = Collections.emptyMap();

    private final String clientId;
    private final SessionManager manager;
    /*
     * A linked queue, not an array queue: it costs an idle session 48 bytes, where Netty's MPSC array
     * queues are padded against false sharing (about 670 bytes even with chunks of 16), the largest
     * item of an idle connection's heap. A session rarely has more than a few tasks waiting, and
     * most are run at once by the submitting event loop itself.
     */
    private final Queue<Runnable> mailbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private volatile EventExecutor executor;
    private volatile ClientConnection connection;
    private volatile boolean ended;

    /* Created by the first message to queue: an idle subscriber-less session never has one. */
    private ArrayDeque<Pending> queue;
    /* The empty map until the first QoS 1/2 message goes out: most idle sessions never send one. */
    private Map<Integer, Pending> inflight = NO_INFLIGHT;
    private int nextPacketId = 1;
    private long sessionExpirySeconds;
    private Instant disconnectedAt;
    private ScheduledFuture<?> expiryTimer;
    private ScheduledFuture<?> willTimer;
    private Runnable pendingWill;
    private Map<Integer, Qos2Flow> inboundQos2 = Map.of();

    Session(String clientId, SessionManager manager, EventExecutor executor) {
        this.clientId = clientId;
        this.manager = manager;
        this.executor = executor;
    }

    public String clientId() {
        return clientId;
    }

    public boolean isOnline() {
        return connection != null;
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

    /** Runs {@code task} on the session's executor after every task submitted before it. */
    public void execute(Runnable task) {
        mailbox.offer(task);
        if (scheduled.compareAndSet(false, true)) {
            EventExecutor current = executor;
            if (current.inEventLoop()) {
                drain();
            } else {
                current.execute(this::drain);
            }
        }
    }

    private void drain() {
        EventExecutor current = executor;
        int run = 0;
        Runnable task;
        while ((task = mailbox.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("session task of client {} failed", clientId, e);
            }
            if (executor != current || ++run >= MAX_TASKS_PER_RUN) {
                break;
            }
        }
        flushConnection();
        scheduled.set(false);
        if (!mailbox.isEmpty() && scheduled.compareAndSet(false, true)) {
            executor.execute(this::drain);
        }
    }

    private void flushConnection() {
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
        execute(() -> {
            // Take over on the current executor, so the old connection is never written to from the new loop.
            ClientConnection previous = connection;
            if (previous != null && previous != newConnection) {
                // Take its QoS 2 flows now, on its own loop: waiting for its close would let the new
                // connection handle a retransmitted PUBLISH before they arrive, and route it twice.
                keepInboundQos2(previous.inbound().qos2FlowsForSession());
                previous.disconnect(ClientConnection.REASON_SESSION_TAKEN_OVER, DisconnectInfo.SESSION_TAKEN_OVER);
                connection = null;
            }
            executor = newConnection.channel().eventLoop();
            execute(() -> doAttach(newConnection, expirySeconds, onAttached));
        });
    }

    private void doAttach(ClientConnection newConnection, long expirySeconds, Consumer<Boolean> onAttached) {
        if (!newConnection.channel().isActive()) {
            // Closed while authenticating or waiting for this task: there is nothing to attach.
            if (connection == null && expirySeconds == 0 && subscriptions.isEmpty()) {
                end();
            }
            return;
        }
        boolean stillPresent = true;
        if (ended) {
            // The session expired between lookup and attach: continue it as a new, empty session.
            if (!manager.revive(this)) {
                newConnection.disconnect(ClientConnection.REASON_SESSION_TAKEN_OVER, DisconnectInfo.SESSION_TAKEN_OVER);
                return;
            }
            ended = false;
            stillPresent = false;
        }
        cancelTimers();
        pendingWill = null;
        sessionExpirySeconds = expirySeconds;
        disconnectedAt = null;
        connection = newConnection;
        newConnection.setSession(this);
        newConnection.inbound().resumeQos2Flows(inboundQos2);
        inboundQos2 = Map.of();
        onAttached.accept(stillPresent);
        if (!newConnection.channel().isActive()) {
            return;
        }
        Iterator<Pending> resend = inflight.values().iterator();
        while (resend.hasNext()) {
            Pending pending = resend.next();
            if (pending.released) {
                newConnection.writePubrel(pending.packetId);
            } else if (newConnection.writePublish(pending.message, pending.qos, pending.retain,
                    pending.subscriptionIds, pending.packetId, true) != SendResult.SENT) {
                resend.remove();
            }
        }
        pump();
    }

    /**
     * The connection closed. Publishes or schedules its will ({@code will} may be null) and ends
     * the session or schedules its expiry. Tells the listener last.
     */
    public void detach(ClientConnection closed, Runnable will, long willDelaySeconds, Runnable afterDetach) {
        execute(() -> {
            try {
                doDetach(closed, will, willDelaySeconds);
            } finally {
                afterDetach.run();
            }
        });
    }

    private void doDetach(ClientConnection closed, Runnable will, long willDelaySeconds) {
        if (connection != closed || ended) {
            if (!ended) {
                carryInboundQos2(closed);
            }
            // Taken over by a newer connection to this session, or the session already ended:
            // the will is only held back while the same session continues [MQTT-3.1.3-9].
            if (will != null && (ended || willDelaySeconds == 0)) {
                will.run();
            }
            return;
        }
        connection = null;
        disconnectedAt = Instant.now();
        sessionExpirySeconds = closed.sessionExpirySeconds();
        carryInboundQos2(closed);
        if (sessionExpirySeconds == 0) {
            if (will != null) {
                will.run();
            }
            end();
            return;
        }
        if (will != null) {
            long delay = Math.min(willDelaySeconds, sessionExpirySeconds);
            if (delay == 0) {
                will.run();
            } else {
                pendingWill = will;
                willTimer = executor.schedule(this::firePendingWill, delay, TimeUnit.SECONDS);
            }
        }
        dropQos0Queued();
        scheduleExpiry(sessionExpirySeconds);
        manager.save(snapshot());
    }

    private void carryInboundQos2(ClientConnection closed) {
        Map<Integer, Qos2Flow> flows =
                closed.inbound().qos2FlowsForSession();
        if (flows.isEmpty()) {
            return;
        }
        if (connection != null) {
            // The session already runs on the new connection's event loop: hand them over directly.
            connection.inbound().resumeQos2Flows(flows);
        } else {
            keepInboundQos2(flows);
        }
    }

    private void keepInboundQos2(Map<Integer, Qos2Flow> flows) {
        if (flows.isEmpty()) {
            return;
        }
        Map<Integer, Qos2Flow> merged = new HashMap<>(inboundQos2);
        merged.putAll(flows);
        inboundQos2 = merged;
    }

    private void dropQos0Queued() {
        if (queue == null) {
            return;
        }
        queue.removeIf(p -> {
            if (p.qos == 0) {
                manager.metrics().queued(-1);
                manager.metrics().dropped(DropReason.QOS0_OFFLINE);
                return true;
            }
            return false;
        });
    }

    private void scheduleExpiry(long seconds) {
        if (seconds != ConnectionInfo.SESSION_NEVER_EXPIRES) {
            expiryTimer = executor.schedule(() -> execute(() -> {
                if (connection == null && !ended) {
                    end();
                }
            }), seconds, TimeUnit.SECONDS);
        }
    }

    private void firePendingWill() {
        execute(() -> {
            Runnable will = pendingWill;
            pendingWill = null;
            if (will != null && connection == null) {
                will.run();
            }
        });
    }

    /** Ends the session on its executor: e.g. replaced by a clean start. Kicks a connection still attached. */
    public void endFromOutside(int reasonCode, String reason) {
        execute(() -> {
            ClientConnection current = connection;
            if (current != null) {
                current.disconnect(reasonCode, reason);
            }
            end();
        });
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        cancelTimers();
        Runnable will = pendingWill;
        pendingWill = null;
        if (will != null) {
            will.run();
        }
        for (Subscription subscription : subscriptions.values()) {
            manager.removeFromTree(subscription);
        }
        subscriptions.clear();
        if (queue != null) {
            manager.metrics().queued(-queue.size());
            queue.clear();
        }
        inflight.clear();
        manager.ended(this);
    }

    private void cancelTimers() {
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
            expiryTimer = null;
        }
        if (willTimer != null) {
            willTimer.cancel(false);
            willTimer = null;
        }
    }

    /** Adds or replaces a subscription; must run on the session's executor. @return whether one existed */
    public boolean subscribe(Subscription subscription) {
        Subscription previous = subscriptions.put(subscription.topicFilter(), subscription);
        manager.addToTree(subscription, previous == null);
        return previous != null;
    }

    /** Removes a subscription; must run on the session's executor. @return whether it existed */
    public boolean unsubscribe(String topicFilter) {
        Subscription removed = subscriptions.remove(topicFilter);
        if (removed == null) {
            return false;
        }
        manager.removeFromTree(removed);
        return true;
    }

    /** Saves a snapshot when this session can outlive its connection; must run on the executor. */
    public void saveIfPersistent(long expirySeconds) {
        if (expirySeconds != 0) {
            manager.save(snapshot());
        }
    }

    /**
     * Hands a message to this session from any thread: sent at once when the client is connected
     * and its window allows, else queued (bounded, oldest dropped first).
     */
    public void deliver(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds, Runnable onHandled) {
        execute(() -> {
            try {
                enqueue(new Pending(message, qos, retain, subscriptionIds));
            } finally {
                if (onHandled != null) {
                    onHandled.run();
                }
            }
        });
    }

    private ArrayDeque<Pending> writableQueue() {
        if (queue == null) {
            queue = new ArrayDeque<>(INITIAL_QUEUE_CAPACITY);
        }
        return queue;
    }

    private Map<Integer, Pending> writableInflight() {
        if (inflight == NO_INFLIGHT) {
            inflight = new LinkedHashMap<>();
        }
        return inflight;
    }

    private void enqueue(Pending pending) {
        if (ended) {
            return;
        }
        if (connection == null && pending.qos == 0) {
            manager.metrics().dropped(DropReason.QOS0_OFFLINE);
            return;
        }
        int limit = manager.config().getMaxQueuedMessagesPerSession();
        if (connection == null && limit == 0) {
            manager.metrics().dropped(DropReason.QUEUE_FULL);
            return;
        }
        ArrayDeque<Pending> waiting = writableQueue();
        if (limit > 0 && waiting.size() >= limit) {
            waiting.pollFirst();
            manager.metrics().queued(-1);
            manager.metrics().dropped(DropReason.QUEUE_FULL);
        }
        waiting.addLast(pending);
        manager.metrics().queued(1);
        pump();
    }

    /** Sends queued messages while the client's window and the socket allow; on the executor. */
    public void pump() {
        ClientConnection current = connection;
        if (current == null || queue == null) {
            return;
        }
        while (!queue.isEmpty() && current.channel().isWritable()) {
            Pending head = queue.peekFirst();
            if (head.qos > 0 && inflight.size() >= current.sendQuota()) {
                break;
            }
            queue.pollFirst();
            manager.metrics().queued(-1);
            if (head.qos > 0) {
                head.packetId = nextPacketId();
            }
            SendResult result = current.writePublish(head.message, head.qos, head.retain, head.subscriptionIds,
                    head.packetId, false);
            if (result == SendResult.SENT && head.qos > 0) {
                writableInflight().put(head.packetId, head);
            }
        }
    }

    private int nextPacketId() {
        while (true) {
            int candidate = nextPacketId;
            nextPacketId = candidate == 65_535 ? 1 : candidate + 1;
            if (!inflight.containsKey(candidate)) {
                return candidate;
            }
        }
    }

    /** PUBACK from the client; on the executor. */
    public void onPubAck(int packetId) {
        Pending pending = inflight.get(packetId);
        if (pending != null && pending.qos == 1) {
            inflight.remove(packetId);
        }
        pump();
    }

    /** PUBREC from the client; on the executor. */
    public void onPubRec(int packetId, int reasonCode) {
        Pending pending = inflight.get(packetId);
        ClientConnection current = connection;
        if (pending == null || pending.qos != 2) {
            if (current != null) {
                current.writePubrelNotFound(packetId);
            }
            return;
        }
        if (reasonCode >= 0x80) {
            inflight.remove(packetId);
            pump();
            return;
        }
        pending.released = true;
        if (current != null) {
            current.writePubrel(packetId);
        }
    }

    /** PUBCOMP from the client; on the executor. */
    public void onPubComp(int packetId) {
        Pending pending = inflight.get(packetId);
        if (pending != null && pending.released) {
            inflight.remove(packetId);
        }
        pump();
    }

    /** Restores state from a snapshot while the session is offline; on the executor. */
    void restore(SessionSnapshot snapshot) {
        sessionExpirySeconds = snapshot.sessionExpirySeconds();
        disconnectedAt = snapshot.disconnectedAt() == null ? Instant.now() : snapshot.disconnectedAt();
        for (PendingMessage stored : snapshot.pending()) {
            Pending pending = new Pending(RoutedMessage.of(stored.message()), stored.qos(), stored.message().retain(),
                    stored.subscriptionIdentifiers().stream().mapToInt(Integer::intValue).toArray());
            pending.packetId = stored.packetId();
            pending.released = stored.released();
            if (stored.packetId() > 0) {
                writableInflight().put(stored.packetId(), pending);
            } else {
                writableQueue().addLast(pending);
                manager.metrics().queued(1);
            }
        }
        if (sessionExpirySeconds != ConnectionInfo.SESSION_NEVER_EXPIRES) {
            long elapsed = Duration.between(disconnectedAt, Instant.now()).getSeconds();
            scheduleExpiry(Math.max(0, sessionExpirySeconds - elapsed));
        }
    }

    /** The durable state now; on the executor. */
    public SessionSnapshot snapshot() {
        List<SessionSnapshot.StoredSubscription> subs = new ArrayList<>();
        for (Subscription subscription : subscriptions.values()) {
            subs.add(subscription.toStored());
        }
        List<PendingMessage> pending = new ArrayList<>();
        for (Pending p : inflight.values()) {
            pending.add(p.toStored());
        }
        if (queue != null) {
            for (Pending p : queue) {
                if (p.qos > 0) {
                    pending.add(p.toStored());
                }
            }
        }
        return new SessionSnapshot(clientId, sessionExpirySeconds, disconnectedAt, subs, pending);
    }

    /** How many messages wait for this client (queued plus unacknowledged); on the executor. */
    public int pendingCount() {
        return (queue == null ? 0 : queue.size()) + inflight.size();
    }

    private static final class Pending {
        final RoutedMessage message;
        final int qos;
        final boolean retain;
        final int[] subscriptionIds;
        int packetId;
        boolean released;

        Pending(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds) {
            this.message = message;
            this.qos = qos;
            this.retain = retain;
            this.subscriptionIds = subscriptionIds;
        }

        PendingMessage toStored() {
            List<Integer> ids = new ArrayList<>(subscriptionIds.length);
            for (int id : subscriptionIds) {
                ids.add(id);
            }
            return new PendingMessage(message.message(), qos, packetId, released, ids);
        }
    }
}
