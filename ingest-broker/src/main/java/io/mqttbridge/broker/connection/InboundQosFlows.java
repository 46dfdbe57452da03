package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.spi.PublishedMessage;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Inbound QoS 1/2 flows of one connection: acknowledgements waiting for the sink, released strictly
 * in the order the PUBLISHes arrived [MQTT-4.6.0-2/3], and the QoS 2 packet ids between PUBLISH and
 * PUBREL. Confined to the connection's event loop.
 */
public final class InboundQosFlows {

    /** Where a QoS 2 message stands, keyed by its packet id. */
    public enum Qos2State { SINKING, SINK_FAILED, RECEIVED }

    /** One acknowledgement waiting its turn. */
    public record PendingAck(int packetId, int qos, CompletableFuture<Void> sinkResult, int overrideReasonCode) {
    }

    /** A QoS 2 message between PUBLISH and PUBREL. */
    public static final class Qos2Flow {
        private final PublishedMessage message;
        private Qos2State state = Qos2State.SINKING;

        Qos2Flow(PublishedMessage message) {
            this.message = message;
        }

        public PublishedMessage message() {
            return message;
        }

        public Qos2State state() {
            return state;
        }

        public void setState(Qos2State state) {
            this.state = state;
        }
    }

    private static final Map<Integer, Qos2Flow> NO_FLOWS = Collections.emptyMap();

    /* Both created on first use: most connections never publish QoS 1/2, and each connection counts. */
    private ArrayDeque<PendingAck> acks;
    private Map<Integer, Qos2Flow> qos2 = NO_FLOWS;
    private int unacknowledged;

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

    public void started() {
        unacknowledged++;
    }

    public void completed() {
        if (unacknowledged > 0) {
            unacknowledged--;
        }
    }

    public void enqueueAck(PendingAck ack) {
        if (acks == null) {
            acks = new ArrayDeque<>(4);
        }
        acks.addLast(ack);
    }

    /** The head acknowledgement if its sink result is in, else {@code null}. */
    public PendingAck pollReadyAck() {
        PendingAck head = acks == null ? null : acks.peekFirst();
        if (head == null || !head.sinkResult().isDone()) {
            return null;
        }
        return acks.pollFirst();
    }

    public Qos2Flow qos2(int packetId) {
        return qos2.get(packetId);
    }

    public Qos2Flow startQos2(int packetId, PublishedMessage message) {
        Qos2Flow flow = new Qos2Flow(message);
        writableQos2().put(packetId, flow);
        return flow;
    }

    private Map<Integer, Qos2Flow> writableQos2() {
        if (qos2 == NO_FLOWS) {
            qos2 = new HashMap<>(4);
        }
        return qos2;
    }

    public Qos2Flow removeQos2(int packetId) {
        return qos2.remove(packetId);
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
