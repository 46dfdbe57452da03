package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection.SendResult;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The outbound QoS 1 and QoS 2 flows of one session, and every transition of their state:
 * PUBLISH -> PUBACK for QoS 1; PUBLISH -> PUBREC -> PUBREL -> PUBCOMP for QoS 2, resent with DUP (or
 * the PUBREL again) on a new connection [MQTT-4.4.0-1]; plus the queue in front of them, which waits
 * for the client's window (its receive maximum) or for the client to come back, and which QoS 0
 * messages share so that order is kept. The queue's bounds and accounting are {@link OutboundQueue},
 * what a full queue does is {@link QueueOverflow}, and the messages sent and not acknowledged yet are
 * held (and counted against the heap bound) by {@link UnacknowledgedDeliveries}.
 *
 * <p>While the session is persistent, every QoS 1/2 message it holds is also written through to a
 * {@link MessageLog}: appended when queued (or restated when PUBREC arrives) and acknowledged when
 * it is complete or dropped, so that it survives a crash of the node. A QoS 2 message is sent only
 * once its copy is durable, and what is queued behind it waits with it.
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
    /* Written on the session's executor only; volatile so that the REST API can read it. */
    private volatile int inflightCount;
    private long nextSequence = 1;
    /* Some unacknowledged messages wait to be resent on the new connection (awaitingResend). */
    private boolean resendPending;
    /* Null while the session is not persistent: then nothing is written through. */
    private MessageLog log;

    /**
     * Empty flows for {@code session}, written through when it is persistent; the queue's bounds (in
     * messages, 0 queueing nothing while offline, and in bytes) and overflow policy from {@code manager}.
     */
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
        if (starting) {
            for (OutboundDelivery p : inflight.inOrder()) {
                log.append(p.toStored());
            }
            for (OutboundDelivery p : queue) {
                if (p.qos > 0) {
                    log.append(p.toStored());
                }
            }
        }
    }

    /**
     * Queues a message (bounded; a full queue follows the overflow policy) and sends what the window
     * allows.
     *
     * @return when the message was written through, the write's future (it completes once the
     *     message is durable); otherwise {@code null}
     */
    CompletableFuture<Void> enqueue(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds) {
        return enqueue(message, qos, retain, subscriptionIds, null);
    }

    /** @param sharedGroup the shared subscription ({@code $share/g/f}) the message came through, or null */
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
        // The heap bound holds back offline clients and connected ones far behind, never one that keeps up.
        boolean waits = current == null || queue.bytes() >= QueuedMemory.CONNECTED_SLACK_BYTES;
        boolean full = queue.isFull(pending.bytes);
        if (full || waits && queue.isMemoryFull()) {
            QueueOverflow.Outcome outcome = full
                    ? overflow.onFull(queue, pending, current, this::forget)
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

    /** A QoS 1/2 message left the session (complete or dropped): its written-through copy goes too. */
    private void forget(OutboundDelivery pending) {
        if (log != null && pending.qos > 0) {
            log.acknowledge(pending.sequence);
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
            resendWithinWindow(current);
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
            }
        }
        inflightCount = inflight.size();
    }

    /**
     * Resends every unacknowledged message on a new connection, with DUP set (a PUBREL for those the
     * client already received), then sends from the queue. The resent PUBLISH packets count against
     * the new connection's Receive Maximum like new ones [MQTT-3.3.4-9]: those beyond it wait for
     * acknowledgements, in their order.
     */
    void resume() {
        ClientConnection current = session.connection();
        for (OutboundDelivery pending : inflight.inOrder()) {
            if (pending.released) {
                if (pending.releaseStored) {
                    // Else it goes out once its PUBREC-received state is durable (releaseStored).
                    writePubrel(current, pending.packetId, MqttReasonCode.SUCCESS);
                }
            } else {
                pending.awaitingResend = true;
                resendPending = true;
            }
        }
        pump(current);
    }

    /* Resends, in their order, the unacknowledged messages that wait for room in the client's window. */
    private void resendWithinWindow(ClientConnection current) {
        int occupied = 0;
        for (OutboundDelivery pending : inflight.inOrder()) {
            if (!pending.awaitingResend) {
                occupied++;
            }
        }
        boolean waiting = false;
        List<OutboundDelivery> lost = new ArrayList<>(0);
        for (OutboundDelivery pending : inflight.inOrder()) {
            if (!pending.awaitingResend) {
                continue;
            }
            if (occupied >= current.sendQuota() || !current.channel().isWritable()) {
                waiting = true;
                break;
            }
            pending.awaitingResend = false;
            if (current.writePublish(pending.message, pending.qos, pending.retain, pending.subscriptionIds,
                    pending.packetId, true) == SendResult.SENT) {
                occupied++;
            } else {
                lost.add(pending);
            }
        }
        for (OutboundDelivery pending : lost) {
            inflight.remove(pending);
            forget(pending);
        }
        resendPending = waiting;
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
                writePubrel(current, packetId, MqttReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
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
            writePubrel(current, packetId, MqttReasonCode.SUCCESS);
        }
    }

    /* The PUBREC-received state of {@code pending} is durable (or its write failed): its PUBREL may go out. */
    private void releaseStored(OutboundDelivery pending) {
        pending.releaseStored = true;
        ClientConnection current = session.connection();
        if (current != null && inflight.get(pending.packetId) == pending) {
            writePubrel(current, pending.packetId, MqttReasonCode.SUCCESS);
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
     * unacknowledged, the rest as queued. Their sequences are kept (unnumbered ones are numbered after
     * them), and new messages are numbered after the highest.
     */
    void restore(List<PendingMessage> stored, Function<PublishedMessage, RoutedMessage> prepare) {
        for (PendingMessage message : stored) {
            nextSequence = Math.max(nextSequence, message.sequence() + 1);
        }
        for (PendingMessage message : stored) {
            OutboundDelivery pending = OutboundDelivery.fromStored(message, prepare.apply(message.message()),
                    message.sequence() > 0 ? message.sequence() : nextSequence++);
            if (message.packetId() > 0) {
                inflight.add(pending);
            } else {
                queue.addLast(pending);
            }
        }
        inflightCount = inflight.size();
    }

    /** What must survive the session's connection: unacknowledged, then queued QoS 1/2 messages. */
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

    /** How many messages wait for the client (queued plus unacknowledged). */
    int count() {
        return queue.size() + inflight.size();
    }

    private static void writePubrel(ClientConnection current, int packetId, int reasonCode) {
        current.writeReply(MqttMessageType.PUBREL, MqttQoS.AT_LEAST_ONCE, packetId, reasonCode);
    }
}
