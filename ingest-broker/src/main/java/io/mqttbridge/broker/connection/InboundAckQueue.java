package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.connection.ReadSuspension.Reason;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The PUBACKs and PUBRECs of one connection's inbound QoS 1/2 PUBLISHes, each waiting for its sink
 * result and released strictly in the order the PUBLISHes arrived [MQTT-4.6.0-2/3]. Kept apart from
 * the flows themselves ({@link InboundQosFlows}, {@link InboundQos2Flows}) because the ordering, the
 * batching of releases and the acknowledgement window are one concern shared by both QoS levels. The
 * window pauses reading for MQTT 5 too: a PUBACK waits for the sink, and a client that publishes
 * faster than Kafka acknowledges is slowed by TCP instead of being disconnected. A failed sink result
 * gets its error code (MQTT 5) or, unless the refusal is permanent (then the message is acknowledged
 * and dropped), closes the connection (3.1.1, which has no negative acknowledgement).
 *
 * <p>Threading: confined to the connection's event loop. Sink futures may complete on any thread;
 * their releases are batched into one task queued on the event loop (the sink completes many futures
 * together: one Kafka batch holds many of this connection's messages).
 */
final class InboundAckQueue {

    /** One acknowledgement waiting its turn. */
    private record PendingAck(int packetId, int qos, CompletableFuture<Void> sinkResult, int overrideReasonCode) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(InboundAckQueue.class);
    private static final AtomicIntegerFieldUpdater<InboundAckQueue> RELEASE_QUEUED =
            AtomicIntegerFieldUpdater.newUpdater(InboundAckQueue.class, "releaseQueued");

    private final InboundQosFlows flows;
    private final ClientConnection connection;
    private final ArrayDeque<PendingAck> acks = new ArrayDeque<>(4);
    /* How many acknowledgements may wait for the sink before reading pauses. */
    private int ackWindow = Integer.MAX_VALUE;
    /* The QoS 1 acknowledgements among them. */
    private int qos1Waiting;
    /*
     * 1 while a task that releases acknowledgements is queued on the event loop: completions share
     * that one task instead of queueing one task each.
     */
    private volatile int releaseQueued;

    /** Created by {@code flows} on the connection's first QoS 1/2 PUBLISH. */
    InboundAckQueue(InboundQosFlows flows, ClientConnection connection) {
        this.flows = flows;
        this.connection = connection;
    }

    /** Acknowledgements not yet sent (waiting for the sink or for earlier ones). */
    int size() {
        return acks.size();
    }

    /** The PUBACKs among them: QoS 1 messages whose only wait is the sink's. */
    int qos1Waiting() {
        return qos1Waiting;
    }

    /**
     * The PUBACK / PUBREC of {@code packetId} is sent when {@code sunk} completes and every earlier
     * acknowledgement has been sent. Reading pauses while {@code ackWindow} acknowledgements wait.
     */
    void await(int packetId, int qos, CompletableFuture<Void> sunk, int ackWindow) {
        this.ackWindow = ackWindow;
        add(new PendingAck(packetId, qos, sunk, MqttReasonCode.SUCCESS));
        if (acks.size() >= ackWindow) {
            // Not the QoS 2 flows past PUBREC: reading must go on for their PUBRELs. What one read
            // already holds is still decoded: at most one socket read (64 KiB) past the window.
            connection.reading().pause(Reason.ACK_WINDOW_FULL);
        }
        if (sunk.isDone()) {
            release();
        } else {
            sunk.whenComplete((ignored, error) -> releaseSoon());
        }
    }

    /** The acknowledgement of {@code packetId} carries {@code reasonCode}, in its turn. */
    void refuse(int packetId, int qos, int reasonCode) {
        add(new PendingAck(packetId, qos, Qos2Flow.DONE, reasonCode));
        release();
    }

    private void add(PendingAck ack) {
        acks.addLast(ack);
        if (ack.qos() == 1) {
            qos1Waiting++;
        }
    }

    /** Any thread: releases the acknowledgements on the event loop, in a task queued unless one already is. */
    private void releaseSoon() {
        if (RELEASE_QUEUED.compareAndSet(this, 0, 1)) {
            connection.channel().eventLoop().execute(this::releaseQueued);
        }
    }

    private void releaseQueued() {
        // Cleared before looking at the futures: a completion after this line queues a task of its own,
        // one before it is seen by release (both sides are volatile accesses).
        releaseQueued = 0;
        release();
    }

    /** The head acknowledgement if its sink result is in, else {@code null}. */
    private PendingAck pollReady() {
        PendingAck head = acks.peekFirst();
        if (head == null || !head.sinkResult().isDone()) {
            return null;
        }
        if (head.qos() == 1) {
            qos1Waiting--;
        }
        return acks.pollFirst();
    }

    private void release() {
        boolean wrote = false;
        boolean mqtt5 = connection.isMqtt5();
        PendingAck ack;
        while ((ack = pollReady()) != null) {
            int reason = ack.overrideReasonCode();
            boolean failed = false;
            String reasonString = null;
            if (ack.sinkResult().isCompletedExceptionally()) {
                failed = true;
                Throwable cause = SinkFailures.causeOf(ack.sinkResult());
                reason = SinkFailures.reasonOf(cause);
                reasonString = cause == null ? null : cause.getMessage();
                if (!mqtt5 && SinkFailures.isPermanent(cause)) {
                    // Sending it again cannot help: acknowledged and dropped, as a refused publish is
                    // [MQTT-3.3.5-2]. A QoS 2 flow stays until its PUBREL, and nothing was routed.
                    dropRefusedPublish(ack, reason, reasonString);
                    failed = false;
                    reason = MqttReasonCode.SUCCESS;
                    reasonString = null;
                }
            }
            if (failed && !mqtt5) {
                // Acks after this one are still taken in (a stored QoS 2 message must not be stored again
                // when the client resends it), though the closed connection no longer gets them.
                closeForUnstoredPublish(ack, reason, reasonString);
                continue;
            }
            if (ack.qos() == 1) {
                flows.completed();
                connection.writeReply(MqttMessageType.PUBACK, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason,
                        reasonString);
            } else if (!failed) {
                if (MqttReasonCode.isError(reason)) {
                    flows.qos2EndedWithoutPubrel(ack.packetId());
                }
                connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason);
            } else {
                // MQTT 5: a PUBREC with an error code ends the QoS 2 flow [MQTT-4.3.3].
                flows.qos2EndedWithoutPubrel(ack.packetId());
                connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason,
                        reasonString);
            }
            wrote = true;
        }
        if (wrote) {
            connection.flushSoon();
        }
        if (acks.size() < ackWindow) {
            connection.resumeReading(Reason.ACK_WINDOW_FULL);
        }
    }

    private void dropRefusedPublish(PendingAck ack, int reason, String reasonString) {
        connection.metrics().dropped(BrokerMetrics.DropReason.REFUSED_BY_SINK);
        LOG.warn("Dropping the QoS {} message (packet id {}) of MQTT 3.1.1 client {}, acknowledged: it can never be"
                        + " stored (reason 0x{}: {})", ack.qos(), ack.packetId(), connection.info().clientId(),
                Integer.toHexString(reason), reasonString);
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
}
