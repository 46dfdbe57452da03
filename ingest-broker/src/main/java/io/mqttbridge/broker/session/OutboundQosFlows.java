package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection.SendResult;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredOnlyMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The outbound QoS 1 and QoS 2 flows of one session, and every transition of their state: PUBLISH
 * -> PUBACK for QoS 1; PUBLISH -> PUBREC -> PUBREL -> PUBCOMP for QoS 2, resent with DUP (or the PUBREL
 * again) on a new connection [MQTT-4.4.0-1] ({@link OutboundResends}); plus the queue in front of
 * them, which waits for the client's window (its receive maximum) or for it to come back, and which QoS 0
 * messages share so that order is kept. The queue's bounds and accounting are {@link OutboundQueue},
 * what a full queue does is {@link QueueOverflow}, and the messages sent and not acknowledged yet are
 * held (and counted against the heap bound) by {@link UnacknowledgedDeliveries}.
 *
 * <p>While the session is persistent, every QoS 1/2 message it holds is also written through to a
 * {@link MessageLog}: appended when queued (or restated when PUBREC arrives) and acknowledged when
 * it is complete or dropped, so that it survives a crash of the node. A QoS 2 message is sent only
 * once its copy is durable, and what is queued behind it waits with it. When the heap bound is
 * reached, a persistent session's QoS 1/2 messages wait in the store alone ({@linkplain
 * OutboundQueue#spill spilled}), and every later one behind them, until {@link SpilledMessageReader}
 * has read them back for a connected client; a QoS 0 message goes ahead of them (order holds per
 * topic and QoS) to a client that keeps up.
 *
 * <p>Threading: confined to the owning {@link Session}'s executor (its acknowledgement methods are
 * called as session tasks); not thread-safe. It writes to the connection attached to the session
 * now, or keeps everything while the session is offline.
 */
public final class OutboundQosFlows {

    private final Session session;
    private final BrokerMetrics metrics;
    private final OutboundQueue queue;
    private final QueueOverflow overflow;
    private final UnacknowledgedDeliveries inflight;
    private volatile int inflightCount; // written in the session's tasks only; read by the REST API
    private long nextSequence = 1;
    private boolean resendPending; // some unacknowledged messages wait to be resent on the new connection
    private MessageLog log; // null while the session is not persistent: then nothing is written through
    /* No longer persistent while messages were spilled: writing through goes on until they are read back. */
    private boolean stopWritingOnceReadBack;
    private SpilledMessageReader spilledReader; // created when messages are first spilled

    /** Empty flows for {@code session}, written through when persistent; bounds and overflow from {@code manager}. */
    OutboundQosFlows(Session session, SessionManager manager) {
        this.session = session;
        this.metrics = manager.metrics();
        this.queue = new OutboundQueue(metrics, manager.config().getMaxQueuedMessagesPerSession(),
                manager.config().getMaxQueuedBytesPerSession(), manager.queuedMemory());
        this.overflow = manager.queueOverflow();
        this.inflight = new UnacknowledgedDeliveries(manager.queuedMemory());
        if (session.isPersistent()) {
            writeThrough(manager.storeWriter().messageLog(session.clientId()));
        }
    }

    /**
     * Writes every QoS 1/2 message through to {@code messageLog} from now on ({@code null}: stop);
     * the messages held now are appended at once when writing through starts.
     */
    void writeThrough(MessageLog messageLog) {
        boolean starting = log == null && messageLog != null;
        log = messageLog;
        stopWritingOnceReadBack = false;
        if (starting) {
            toStored().forEach(log::append);
        }
    }

    /**
     * Stops writing through once no message waits in the store alone: at once when none is spilled,
     * else when the last is read back. Until then later QoS 1/2 messages spill behind them, in order.
     */
    void stopWritingThroughOnceReadBack() {
        if (queue.hasSpilled()) {
            stopWritingOnceReadBack = log != null;
        } else {
            writeThrough(null);
        }
    }

    /**
     * Queues a message (bounded; a full queue follows the overflow policy) and sends what the window
     * allows.
     *
     * @param sharedGroup the shared subscription ({@code $share/g/f}) the message came through, or null
     * @return when the message was written through, the write's future (it completes once the
     *     message is durable); otherwise {@code null}
     */
    CompletableFuture<Void> enqueue(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds,
                                    String sharedGroup) {
        ClientConnection current = session.connection();
        if (current == null && qos == 0) {
            metrics.dropped(DropReason.QOS0_OFFLINE);
            return null;
        }
        if (current == null && queue.holdsNothingOffline()) {
            overflow.counted(queue);
            return null;
        }
        OutboundDelivery pending = new OutboundDelivery(message, qos, retain, subscriptionIds, nextSequence++);
        pending.sharedGroup = sharedGroup;
        if (qos == 0 && queue.hasSpilled()) {
            queueAheadOfSpilled(pending, current);
            return null;
        }
        // The heap bound holds back offline clients and connected ones far behind, never one that keeps up.
        boolean waits = current == null || queue.bytes() >= QueuedMemory.CONNECTED_SLACK_BYTES;
        boolean full = queue.isFull(pending.bytes);
        // A persistent session keeps in the store alone what the heap has no room for (shared-group
        // messages excepted: another member takes them when this one goes), and what comes after it.
        boolean spills = log != null && qos > 0 && sharedGroup == null
                && (queue.hasSpilled() || waits && queue.isMemoryFull());
        if (full || waits && queue.isMemoryFull() && !spills) {
            QueueOverflow.Outcome outcome = full
                    ? overflow.onFull(queue, pending, current, this::forget, this::forgetSpilled)
                    : overflow.onMemoryFull(queue, current, this::forget);
            switch (outcome) {
                case ROOM_MADE -> { }
                case DROPPED -> {
                    pump(current);
                    return null;
                }
                case DISCONNECTED -> {
                    return null;
                }
            }
        }
        CompletableFuture<Void> stored = log != null && qos > 0 ? log.append(pending.toStored()) : null;
        if (spills) {
            metrics.spilled();
            queue.spill(pending.sequence, pending.bytes);
            pump(current);
            return stored;
        }
        if (qos == 2 && stored != null && !stored.isDone()) {
            // Sent only once durable: else after a crash the subscriber could hold a message (and packet
            // id) the restored session lacks, and take it again when its retransmission is routed anew.
            pending.stored = false;
            stored.whenComplete((ignored, error) -> session.execute(() -> {
                pending.stored = true;
                pump();
            }));
        }
        queue.addLast(pending);
        pump(current);
        return stored;
    }

    /**
     * A QoS 0 message for a connected session whose QoS 1/2 messages wait in the store: order holds
     * per topic and QoS [MQTT-4.6.0-6], so it goes ahead of them to a client that keeps up. A client
     * further behind than the read back itself keeps in memory (less than a page, then one more page:
     * two pages), or with its queue full, loses it, as it would lose any QoS 0 message past the heap
     * bound.
     */
    private void queueAheadOfSpilled(OutboundDelivery pending, ClientConnection current) {
        if (queue.memoryBytes() >= 2 * QueuedMemory.CONNECTED_SLACK_BYTES || queue.isFull(pending.bytes)) {
            overflow.counted(queue);
            return;
        }
        queue.addLast(pending);
        pump(current);
    }

    /** A QoS 1/2 message left the session (complete or dropped): its written-through copy goes too. */
    private void forget(OutboundDelivery pending) {
        if (log != null && pending.qos > 0) {
            log.acknowledge(pending.sequence);
        }
    }

    /** A spilled message was dropped: its stored copy goes too. */
    private void forgetSpilled(long sequence) {
        if (log != null) {
            log.acknowledge(sequence);
        }
    }

    /** Sends queued messages while the client's window and the socket allow. */
    public void pump() {
        pump(session.connection());
    }

    private void pump(ClientConnection current) {
        inflightCount = inflight.size();
        if (current == null) {
            return;
        }
        if (resendPending) {
            resendPending = OutboundResends.resendWithinWindow(inflight, current, this::forget);
        }
        while (!queue.isEmpty() && current.channel().isWritable()) {
            OutboundDelivery head = queue.peekFirst();
            if (head.qos > 0 && inflight.size() >= current.sendQuota() || !head.stored) {
                break; // what follows waits too: messages keep their order
            }
            if (head.qos > 0) {
                int packetId = OutboundDelivery.packetIdOf(head.sequence);
                if (inflight.contains(packetId)) {
                    break; // 65,535 messages later its id is still in flight: wait for it
                }
                head.packetId = packetId;
            }
            queue.pollFirstHeld();
            SendResult result = current.writePublish(head.message, head.qos, head.retain, head.subscriptionIds,
                    head.packetId, false);
            if (result == SendResult.SENT && head.qos > 0) {
                inflight.addHeld(head);
            } else {
                queue.releaseHeld(head);
                if (result == SendResult.EXPIRED || result == SendResult.TOO_LARGE) {
                    forget(head); // never deliverable to this client: its stored copy goes too
                }
            }
        }
        inflightCount = inflight.size();
        if (queue.hasSpilled()) {
            if (spilledReader == null) {
                spilledReader = new SpilledMessageReader(session, queue, this::pump, this::forgetSpilled);
            }
            spilledReader.readIfDue(inflight.size());
        } else if (stopWritingOnceReadBack) {
            writeThrough(null);
        }
    }

    /**
     * Resends every unacknowledged message on a new connection, then sends from the queue ({@link
     * OutboundResends}: within the new connection's window).
     */
    void resume() {
        ClientConnection current = session.connection();
        resendPending |= OutboundResends.resume(inflight, current);
        pump(current);
    }

    /** PUBACK from the client: the QoS 1 flow ends and the window has room for one more. */
    public void onPubAck(int packetId) {
        ClientConnection current = session.connection();
        OutboundDelivery pending = inflight.get(packetId);
        if (pending != null && pending.qos == 1) {
            inflight.remove(pending);
            forget(pending);
        }
        pump(current);
    }

    /**
     * PUBREC from the client: answered with PUBREL (0x92 when the packet id is unknown); an error code
     * ends the QoS 2 flow at once [MQTT-4.3.3].
     */
    public void onPubRec(int packetId, int reasonCode) {
        ClientConnection current = session.connection();
        OutboundDelivery pending = inflight.get(packetId);
        if (pending == null || pending.qos != 2) {
            if (current != null) {
                OutboundResends.writePubrel(current, packetId, MqttReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
            }
            return;
        }
        if (MqttReasonCode.isError(reasonCode)) {
            inflight.remove(pending);
            forget(pending);
            pump(current);
            return;
        }
        if (!pending.released) {
            pending.released = true;
            if (log != null) {
                // Only PUBREL remains: after a crash it must be resent with this packet id, not the PUBLISH.
                // PUBREL waits until that is durable: a client that got it may complete the flow and forget
                // the id, and would then take a restored PUBLISH with that id for a new message.
                pending.releaseStored = false;
                log.append(pending.toStored()).whenComplete((ignored, error) ->
                        session.execute(() -> releaseStored(pending)));
                return;
            }
        }
        if (current != null && pending.releaseStored) {
            OutboundResends.writePubrel(current, packetId, MqttReasonCode.SUCCESS);
        }
    }

    /* The PUBREC-received state of {@code pending} is durable (or its write failed): its PUBREL may go out. */
    private void releaseStored(OutboundDelivery pending) {
        pending.releaseStored = true;
        ClientConnection current = session.connection();
        if (current != null && inflight.get(pending.packetId) == pending) {
            OutboundResends.writePubrel(current, pending.packetId, MqttReasonCode.SUCCESS);
            current.flushSoon();
        }
    }

    /** PUBCOMP from the client: the QoS 2 flow ends. */
    public void onPubComp(int packetId) {
        ClientConnection current = session.connection();
        OutboundDelivery pending = inflight.get(packetId);
        if (pending != null && pending.released) {
            inflight.remove(pending);
            forget(pending);
        }
        pump(current);
    }

    /** QoS 0 messages are not kept for a client that went away. */
    void dropQos0Queued() {
        queue.dropQos0();
    }

    /** Drops the non-shared queued messages whose topic {@code revoked} matches (spilled: when read back). */
    int dropQueuedIf(Predicate<String> revoked) {
        List<OutboundDelivery> dropped = queue.takeRevoked(revoked);
        dropped.forEach(this::forget);
        return dropped.size();
    }

    /**
     * Takes out the shared-group messages the client has not received for sure, for another member
     * of their groups ({@link SharedDeliveryTakes#unreceived}).
     */
    List<SharedMessage> takeShared() {
        List<SharedMessage> taken = SharedDeliveryTakes.unreceived(inflight, queue, this::forget);
        inflightCount = inflight.size();
        return taken;
    }

    /**
     * Takes out the messages of {@code sharedGroup}, which the client just unsubscribed from, still
     * queued, for another member of the group ({@link SharedDeliveryTakes#queued}).
     */
    List<SharedMessage> takeQueuedShared(String sharedGroup) {
        return SharedDeliveryTakes.queued(queue, sharedGroup, this::forget);
    }

    /** The session ended: nothing is delivered any more. */
    void clear() {
        queue.clear();
        inflight.clear();
        inflightCount = 0;
    }

    /**
     * Restores stored messages, each prepared by {@code prepare}: those with a packet identifier as
     * unacknowledged, the rest as queued, and behind them those whose content the load left in the store
     * ({@code storedOnly}) as spilled ({@link OutboundRestore}). Their sequences are kept (unnumbered
     * ones are numbered after them), and new messages are numbered after the highest.
     */
    void restore(List<PendingMessage> stored, List<StoredOnlyMessage> storedOnly,
                 Function<PublishedMessage, RoutedMessage> prepare) {
        nextSequence = OutboundRestore.restore(stored, storedOnly, prepare, nextSequence, log != null, queue, inflight,
                metrics);
        inflightCount = inflight.size();
    }

    /**
     * The sequence from which on the session holds its messages in the store alone ({@link
     * io.mqttbridge.broker.spi.SessionSnapshot#storedOnlyFrom}); 0 when it holds none there.
     */
    long storedOnlyFrom() {
        return queue.firstSpilledSequence();
    }

    /** What must survive the session's connection: unacknowledged, then queued QoS 1/2 messages in memory. */
    List<PendingMessage> toStored() {
        List<PendingMessage> stored = new ArrayList<>();
        for (OutboundDelivery p : inflight.inOrder()) {
            stored.add(p.toStored());
        }
        for (OutboundDelivery p : queue) {
            if (p.qos > 0) {
                stored.add(p.toStored());
            }
        }
        return stored;
    }

    /** What waits for the client now; safe from any thread (a recent view, not a consistent one). */
    DeliveryState state() {
        return new DeliveryState(queue.count(), queue.bytes(), inflightCount, queue.drops());
    }

    /** How many messages wait for the client (queued, in memory or spilled, plus unacknowledged). */
    int count() {
        return queue.count() + inflight.size();
    }
}
