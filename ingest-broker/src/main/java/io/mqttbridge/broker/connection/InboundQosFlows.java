package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.connection.ReadSuspension.Reason;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;

/**
 * The inbound QoS 1 and QoS 2 flows of one connection, and every transition of their state:
 * PUBLISH -> (sink) -> PUBACK for QoS 1; PUBLISH -> (sink) -> routed to subscribers -> (recorded) ->
 * PUBREC -> PUBREL -> PUBCOMP for QoS 2, including retransmitted PUBLISHes with DUP and flows that
 * outlive a connection in the session [MQTT-4.3.3]. Acknowledgements wait for the sink's future and
 * are released strictly in the order the PUBLISHes arrived [MQTT-4.6.0-2/3]. The
 * {@code PublishHandler} validates a PUBLISH and hands it to the sink; from then on this class
 * decides what the client is told.
 *
 * <p>QoS 2 is exactly once: a QoS 2 message is routed to subscribers only once the sink confirmed it
 * (so a message the sink refused is never delivered, whatever the client does next), in arrival
 * order; for a session that outlives its connection its packet id is then recorded in the session
 * store ({@link Qos2Log}) before PUBREC, so a retransmission after a crash of the node, or on
 * another node, is answered with PUBREC instead of being taken in again. That routing and recording,
 * in arrival order, is {@link Qos2Routing}'s; this class keeps the flows and their acknowledgements.
 *
 * <p>Threading: confined to the connection's event loop; sink futures may complete on any thread
 * and their acknowledgements are released back on the event loop. A {@link Qos2Flow} handed to the
 * session may complete on the loop of the connection that received it while another connection
 * holds it; its state is a future, safe to read from any thread.
 */
public final class InboundQosFlows {

    /**
     * Where the inbound QoS 2 state of a session that outlives its connection is written through.
     * Called on the connection's event loop; must not block.
     */
    public interface Qos2Log {
        /** Records {@code packetId} durably; PUBREC is sent once this completes. */
        CompletableFuture<Void> received(int packetId);

        /** PUBREL arrived for {@code packetId}: forget it (not waited for). */
        void released(int packetId);
    }

    /**
     * A QoS 2 message handed to the router.
     *
     * @param submitted completes once every write that makes it durable for its subscribers was issued
     *     (to the session store, whose writes are applied in order, or to other nodes): the packet id's
     *     record issued after it cannot become durable before them, and usually shares their commit
     * @param stored completes once those writes are durable
     */
    public record Routed(CompletableFuture<Void> submitted, CompletableFuture<Void> stored) {
    }

    /** One acknowledgement waiting its turn. */
    private record PendingAck(int packetId, int qos, CompletableFuture<Void> sinkResult, int overrideReasonCode) {
    }

    /**
     * A QoS 2 message between PUBLISH and PUBREL; opaque outside this class, where it is only carried
     * from one connection of a session to the next. Its {@code outcome} completes once the message is
     * stored, routed and recorded (PUBREC may be sent), or exceptionally when the sink refused it (a
     * retransmission then goes to the sink again).
     */
    public static final class Qos2Flow {
        /* null for a refused message and for a flow restored from the session store. */
        final PublishedMessage message;
        final CompletableFuture<Void> outcome;
        /* The connection's flows that send (or sent) this flow's PUBREC. */
        private volatile InboundQosFlows answeredBy;

        private Qos2Flow(PublishedMessage message, CompletableFuture<Void> outcome, InboundQosFlows answeredBy) {
            this.message = message;
            this.outcome = outcome;
            this.answeredBy = answeredBy;
        }

        /** A flow whose PUBREC was sent on an earlier connection (restored from the session store). */
        public static Qos2Flow received() {
            return new Qos2Flow(null, DONE, null);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(InboundQosFlows.class);
    private static final Map<Integer, Qos2Flow> NO_FLOWS = Collections.emptyMap();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final AtomicIntegerFieldUpdater<InboundQosFlows> RELEASE_QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(InboundQosFlows.class, "releaseQueued");

    private final ClientConnection connection;
    /* Created on first use: most connections never publish QoS 1/2, and each connection counts. */
    private ArrayDeque<PendingAck> acks;
    /* The QoS 2 messages between the sink and PUBREC; created on the first QoS 2 PUBLISH. */
    private Qos2Routing routes;
    /* Set when the session outlives this connection. */
    private Qos2Log log;
    private Map<Integer, Qos2Flow> qos2 = NO_FLOWS;
    private int unacknowledged;
    /* MQTT 3.1.1 only: how many acknowledgements may wait for the sink before reading pauses. */
    private int ackWindow = Integer.MAX_VALUE;
    /*
     * 1 while a task that releases acknowledgements is queued on the event loop. The sink completes
     * many futures together (one Kafka batch holds many of this connection's messages); they share
     * that one task instead of queueing one task each.
     */
    private volatile int releaseQueued;

    InboundQosFlows(ClientConnection connection) {
        this.connection = connection;
    }

    /** QoS 1 and 2 messages received and not yet completed (PUBACK sent / PUBCOMP sent). */
    public int unacknowledged() {
        return unacknowledged;
    }

    /**
     * PUBLISHes whose PUBACK / PUBREC is not yet sent (waiting for the sink or for earlier ones). Unlike
     * {@link #unacknowledged()} this excludes QoS 2 messages already answered with PUBREC, which only
     * wait for the client's PUBREL.
     */
    public int awaitingAck() {
        return acks == null ? 0 : acks.size();
    }

    /** A QoS 1 or 2 PUBLISH arrived that is not a retransmission of a QoS 2 flow in progress. */
    public void started() {
        unacknowledged++;
    }

    private void completed() {
        if (unacknowledged > 0) {
            unacknowledged--;
        }
    }

    private void enqueueAck(PendingAck ack) {
        if (acks == null) {
            acks = new ArrayDeque<>(4);
        }
        acks.addLast(ack);
    }

    /** The head acknowledgement if its sink result is in, else {@code null}. */
    private PendingAck pollReadyAck() {
        PendingAck head = acks == null ? null : acks.peekFirst();
        if (head == null || !head.sinkResult().isDone()) {
            return null;
        }
        return acks.pollFirst();
    }

    /** Whether a QoS 2 flow with {@code packetId} is between PUBLISH and PUBREL. */
    public boolean hasQos2(int packetId) {
        return qos2.containsKey(packetId);
    }

    /** Writes the inbound QoS 2 state through to {@code log} from now on ({@code null}: keep it in memory only). */
    public void writeThrough(Qos2Log log) {
        this.log = log;
    }

    /** Where the QoS 2 state is written through now, or {@code null}. */
    Qos2Log qos2Log() {
        return log;
    }

    /**
     * The QoS 2 message {@code packetId} (new, or retransmitted after the sink failed to take it) was
     * handed to the sink: once {@code sunk} completes, and every QoS 2 message before it was routed,
     * {@code route} hands it to the subscribers; its PUBREC is sent once that and the record of the
     * packet id (persistent sessions) are done, in arrival order with the other acknowledgements.
     * When the sink fails it is not routed: MQTT 5 gets the error code, a 3.1.1 connection is closed.
     *
     * @param route routes the message to the subscribers
     */
    public void awaitQos2(int packetId, PublishedMessage message, CompletableFuture<Void> sunk,
                          Function<PublishedMessage, Routed> route, int ackWindow) {
        Qos2Flow flow = new Qos2Flow(message, new CompletableFuture<>(), this);
        writableQos2().put(packetId, flow);
        if (routes == null) {
            routes = new Qos2Routing(this, connection);
        }
        routes.add(packetId, flow, sunk, route);
        awaitSink(packetId, 2, flow.outcome, ackWindow);
    }

    /**
     * The sink was handed the QoS {@code qos} message {@code packetId}: its PUBACK / PUBREC is sent when
     * {@code sunk} completes and every earlier acknowledgement has been sent. For MQTT 3.1.1, which has
     * no receive maximum to announce, reading pauses while {@code ackWindow} acknowledgements wait.
     * When {@code sunk} fails, MQTT 5 gets the error code in the PUBACK / PUBREC; a 3.1.1 connection
     * is closed once the acknowledgements before this one are written.
     */
    public void awaitSink(int packetId, int qos, CompletableFuture<Void> sunk, int ackWindow) {
        this.ackWindow = ackWindow;
        enqueueAck(new PendingAck(packetId, qos, sunk, MqttReasonCode.SUCCESS));
        if (!connection.isMqtt5() && awaitingAck() >= ackWindow) {
            // Not the QoS 2 flows past PUBREC: reading must go on for their PUBRELs.
            connection.reading().pause(Reason.ACK_WINDOW_FULL);
        }
        if (sunk.isDone()) {
            releaseAcks();
        } else {
            sunk.whenComplete((ignored, error) -> releaseSoon());
        }
    }

    /** Any thread: releases the acknowledgements on the event loop, in a task queued unless one already is. */
    private void releaseSoon() {
        if (RELEASE_QUEUED.compareAndSet(this, 0, 1)) {
            connection.channel().eventLoop().execute(this::releaseQueuedAcks);
        }
    }

    private void releaseQueuedAcks() {
        // Cleared before looking at the futures: a completion after this line queues a task of its own,
        // one before it is seen by releaseAcks (both sides are volatile accesses).
        releaseQueued = 0;
        releaseAcks();
    }

    /**
     * The QoS 1/2 message {@code packetId} is refused without going to the sink: MQTT 5 is told
     * {@code reasonCode}; 3.1.1 has no negative acknowledgement, so it is acknowledged and dropped
     * [MQTT-3.3.5-2]. A refused QoS 2 flow still waits for its PUBREL.
     */
    public void refuse(int packetId, int qos, int reasonCode) {
        enqueueAck(new PendingAck(packetId, qos, DONE, connection.isMqtt5() ? reasonCode : MqttReasonCode.SUCCESS));
        if (qos == 2) {
            writableQos2().put(packetId, new Qos2Flow(null, DONE, this));
        }
        releaseAcks();
    }

    /**
     * A QoS 2 PUBLISH arrived again (DUP) while its flow is in progress. Answered here when its PUBREC
     * was sent or is on its way (on an earlier connection of the session: answered on this one once
     * that completes); when the sink failed to take the first copy (the client got no PUBREC and
     * retried) the message is returned to be sunk again ({@link #awaitQos2}); it was not routed.
     *
     * @return the message to hand to the sink again, or {@code null}
     */
    public PublishedMessage retransmittedQos2(int packetId, int ackWindow) {
        Qos2Flow flow = qos2.get(packetId);
        if (!flow.outcome.isDone()) {
            if (flow.answeredBy != this) {
                // Still in progress on the connection this one took over: its PUBREC must come here.
                flow.answeredBy = this;
                awaitSink(packetId, 2, flow.outcome, ackWindow);
            }
            // Else the first copy's PUBREC is still waiting for the sink; it answers this one too.
            return null;
        }
        if (!flow.outcome.isCompletedExceptionally()) {
            connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, packetId, MqttReasonCode.SUCCESS);
            connection.flushSoon();
            return null;
        }
        return flow.message;
    }

    /** PUBREL from the client: ends the QoS 2 flow with PUBCOMP (0x92 when the packet id is unknown). */
    public void onPubrel(int packetId) {
        Qos2Flow flow = qos2.remove(packetId);
        if (flow != null) {
            completed();
            Qos2Log current = log;
            if (current != null) {
                current.released(packetId);
            }
        }
        connection.writeReply(MqttMessageType.PUBCOMP, MqttQoS.AT_MOST_ONCE, packetId,
                flow == null ? MqttReasonCode.PACKET_IDENTIFIER_NOT_FOUND : MqttReasonCode.SUCCESS);
        connection.flushSoon();
    }

    private void releaseAcks() {
        boolean wrote = false;
        boolean mqtt5 = connection.isMqtt5();
        PendingAck ack;
        while ((ack = pollReadyAck()) != null) {
            int reason = ack.overrideReasonCode();
            boolean failed = false;
            String reasonString = null;
            if (ack.sinkResult().isCompletedExceptionally()) {
                failed = true;
                Throwable cause = SinkFailures.causeOf(ack.sinkResult());
                reason = SinkFailures.reasonOf(cause);
                reasonString = cause == null ? null : cause.getMessage();
            }
            if (failed && !mqtt5) {
                // Acks after this one are still taken in (a stored QoS 2 message must not be stored again
                // when the client resends it), though the closed connection no longer gets them.
                closeForUnstoredPublish(ack, reason, reasonString);
                continue;
            }
            if (ack.qos() == 1) {
                completed();
                connection.writeReply(MqttMessageType.PUBACK, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason,
                        reasonString);
                wrote = true;
            } else {
                if (!failed) {
                    if (MqttReasonCode.isError(reason)) {
                        qos2.remove(ack.packetId());
                        completed();
                    }
                    connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason);
                    wrote = true;
                } else {
                    // MQTT 5: a PUBREC with an error code ends the QoS 2 flow [MQTT-4.3.3].
                    qos2.remove(ack.packetId());
                    completed();
                    connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason,
                            reasonString);
                    wrote = true;
                }
            }
        }
        if (wrote) {
            connection.flushSoon();
        }
        if (awaitingAck() < ackWindow) {
            connection.reading().resume(Reason.ACK_WINDOW_FULL);
        }
    }

    /*
     * 3.1.1 has no negative acknowledgement, and clients resend unacknowledged messages only on a new
     * connection: waiting would leave the client waiting for ever. The acks released before this one
     * were written; the ones after it are resent by the client with this one.
     */
    private void closeForUnstoredPublish(PendingAck ack, int reason, String reasonString) {
        // A QoS 2 flow stays, failed: the client's retransmission goes to the sink again.
        if (connection.state() == ClientConnection.State.CLOSED) {
            return;
        }
        connection.metrics().closedForPublishNotStored();
        LOG.warn("Closing MQTT 3.1.1 connection of client {}: its QoS {} message (packet id {}) could not be stored"
                        + " (reason 0x{}: {}); the client resends it when it reconnects",
                connection.info().clientId(), ack.qos(), ack.packetId(), Integer.toHexString(reason), reasonString);
        connection.channel().flush();
        connection.disconnect(MqttReasonCode.UNSPECIFIED_ERROR, DisconnectInfo.PUBLISH_NOT_STORED);
    }

    private Map<Integer, Qos2Flow> writableQos2() {
        if (qos2 == NO_FLOWS) {
            qos2 = new HashMap<>(4);
        }
        return qos2;
    }

    /**
     * The QoS 2 flows to keep in the session when this connection ends [MQTT-4.1.0-1]: acknowledged
     * ones stay acknowledged; ones still waiting for the sink complete here and are answered on the
     * next connection when the client retransmits; failed ones go to the sink again then.
     */
    public Map<Integer, Qos2Flow> qos2FlowsForSession() {
        Map<Integer, Qos2Flow> kept = qos2;
        // Handed over once: a second hand-over (takeover, then the close) must not bring back flows
        // the next connection has completed meanwhile, or a new PUBLISH reusing the id would be lost.
        qos2 = NO_FLOWS;
        return kept;
    }

    /** Resumes the QoS 2 flows of the session on a new connection. */
    public void resumeQos2Flows(Map<Integer, Qos2Flow> flows) {
        for (Map.Entry<Integer, Qos2Flow> entry : flows.entrySet()) {
            if (writableQos2().putIfAbsent(entry.getKey(), entry.getValue()) == null) {
                unacknowledged++;
            }
        }
    }
}
