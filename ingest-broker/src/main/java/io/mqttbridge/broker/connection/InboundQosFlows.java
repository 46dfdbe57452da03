package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.connection.ReadSuspension.Reason;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The inbound QoS 1 and QoS 2 flows of one connection, and every transition of their state:
 * PUBLISH -> (sink) -> PUBACK for QoS 1; PUBLISH -> (sink) -> PUBREC -> PUBREL -> PUBCOMP for QoS 2,
 * including retransmitted PUBLISHes with DUP and flows that outlive a connection in the session
 * [MQTT-4.3.3]. Acknowledgements wait for the sink's future and are released strictly in the order
 * the PUBLISHes arrived [MQTT-4.6.0-2/3]. The {@code PublishHandler} validates a PUBLISH and hands
 * it to the sink; from then on this class decides what the client is told.
 *
 * <p>Threading: confined to the connection's event loop; sink futures may complete on any thread
 * and their acknowledgements are released back on the event loop.
 */
public final class InboundQosFlows {

    /** Where a QoS 2 message stands, keyed by its packet id. */
    enum Qos2State { SINKING, SINK_FAILED, RECEIVED }

    /** One acknowledgement waiting its turn. */
    private record PendingAck(int packetId, int qos, CompletableFuture<Void> sinkResult, int overrideReasonCode) {
    }

    /**
     * A QoS 2 message between PUBLISH and PUBREL; opaque outside this class, where it is only carried
     * from one connection of a session to the next.
     */
    public static final class Qos2Flow {
        private final PublishedMessage message;
        private Qos2State state = Qos2State.SINKING;

        private Qos2Flow(PublishedMessage message) {
            this.message = message;
        }
    }

    private static final Map<Integer, Qos2Flow> NO_FLOWS = Collections.emptyMap();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ClientConnection connection;
    /* Both created on first use: most connections never publish QoS 1/2, and each connection counts. */
    private ArrayDeque<PendingAck> acks;
    private Map<Integer, Qos2Flow> qos2 = NO_FLOWS;
    private int unacknowledged;
    /* MQTT 3.1.1 only: how many acknowledgements may wait for the sink before reading pauses. */
    private int ackWindow = Integer.MAX_VALUE;

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

    /** Starts the QoS 2 flow of a PUBLISH that goes to the sink now; call before {@link #awaitSink}. */
    public void startQos2(int packetId, PublishedMessage message) {
        writableQos2().put(packetId, new Qos2Flow(message));
    }

    /**
     * The sink was handed the QoS {@code qos} message {@code packetId}: its PUBACK / PUBREC is sent when
     * {@code sunk} completes and every earlier acknowledgement has been sent. For MQTT 3.1.1, which has
     * no receive maximum to announce, reading pauses while {@code ackWindow} acknowledgements wait.
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
            sunk.whenComplete((ignored, error) -> connection.channel().eventLoop().execute(this::releaseAcks));
        }
    }

    /**
     * The QoS 1/2 message {@code packetId} is refused without going to the sink: MQTT 5 is told
     * {@code reasonCode}; 3.1.1 has no negative acknowledgement, so it is acknowledged and dropped
     * [MQTT-3.3.5-2]. A refused QoS 2 flow still waits for its PUBREL.
     */
    public void refuse(int packetId, int qos, int reasonCode) {
        enqueueAck(new PendingAck(packetId, qos, DONE, connection.isMqtt5() ? reasonCode : MqttReasonCode.SUCCESS));
        if (qos == 2) {
            Qos2Flow flow = new Qos2Flow(null);
            flow.state = Qos2State.RECEIVED;
            writableQos2().put(packetId, flow);
        }
        releaseAcks();
    }

    /**
     * A QoS 2 PUBLISH arrived again (DUP) while its flow is in progress. Answered here when its PUBREC
     * was sent or is on its way; when the sink failed to take the first copy (3.1.1 only: the client
     * got no PUBREC and retried) the message is returned to be sunk again, and not routed again.
     *
     * @return the message to hand to the sink again (then call {@link #awaitSink}), or {@code null}
     */
    public PublishedMessage retransmittedQos2(int packetId) {
        Qos2Flow flow = qos2.get(packetId);
        switch (flow.state) {
            case SINKING -> {
                // The first copy's PUBREC is still waiting for the sink; it answers this one too.
                return null;
            }
            case RECEIVED -> {
                connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, packetId, MqttReasonCode.SUCCESS);
                connection.flushSoon();
                return null;
            }
            default -> {
                flow.state = Qos2State.SINKING;
                return flow.message;
            }
        }
    }

    /** PUBREL from the client: ends the QoS 2 flow with PUBCOMP (0x92 when the packet id is unknown). */
    public void onPubrel(int packetId) {
        Qos2Flow flow = qos2.remove(packetId);
        if (flow != null) {
            completed();
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
                Throwable cause = causeOf(ack.sinkResult());
                reason = reasonOf(cause);
                reasonString = cause == null ? null : cause.getMessage();
            }
            if (ack.qos() == 1) {
                completed();
                if (!failed || mqtt5) {
                    connection.writeReply(MqttMessageType.PUBACK, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason,
                            reasonString);
                    wrote = true;
                }
            } else {
                Qos2Flow flow = qos2.get(ack.packetId());
                if (!failed) {
                    if (flow != null) {
                        flow.state = Qos2State.RECEIVED;
                    }
                    if (MqttReasonCode.isError(reason)) {
                        qos2.remove(ack.packetId());
                        completed();
                    }
                    connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason);
                    wrote = true;
                } else if (mqtt5) {
                    // A PUBREC with an error code ends the QoS 2 flow [MQTT-4.3.3].
                    qos2.remove(ack.packetId());
                    completed();
                    connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, ack.packetId(), reason,
                            reasonString);
                    wrote = true;
                } else if (flow != null) {
                    flow.state = Qos2State.SINK_FAILED;
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

    private static Throwable causeOf(CompletableFuture<Void> failed) {
        try {
            failed.join();
            return null;
        } catch (CompletionException | CancellationException e) {
            return e.getCause() == null ? e : e.getCause();
        }
    }

    private static int reasonOf(Throwable cause) {
        if (cause instanceof PublishRejectedException rejected && MqttReasonCode.isErrorByte(rejected.reasonCode())) {
            return rejected.reasonCode();
        }
        return MqttReasonCode.UNSPECIFIED_ERROR;
    }

    private Map<Integer, Qos2Flow> writableQos2() {
        if (qos2 == NO_FLOWS) {
            qos2 = new HashMap<>(4);
        }
        return qos2;
    }

    /**
     * The QoS 2 flows to keep in the session when this connection ends [MQTT-4.1.0-1]: acknowledged
     * ones stay acknowledged; ones whose sink result never came back will be sunk again (but not
     * routed again) when the client retransmits.
     */
    public Map<Integer, Qos2Flow> qos2FlowsForSession() {
        Map<Integer, Qos2Flow> kept = new HashMap<>();
        qos2.forEach((packetId, flow) -> {
            Qos2Flow copy = new Qos2Flow(flow.message);
            copy.state = flow.state == Qos2State.RECEIVED ? Qos2State.RECEIVED : Qos2State.SINK_FAILED;
            kept.put(packetId, copy);
        });
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
