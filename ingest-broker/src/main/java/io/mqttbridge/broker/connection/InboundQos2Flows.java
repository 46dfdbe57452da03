package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.connection.InboundQosFlows.Qos2Log;
import io.mqttbridge.broker.connection.InboundQosFlows.Routed;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The inbound QoS 2 flows of one connection, PUBLISH -> (sink) -> routed -> (recorded) -> PUBREC ->
 * PUBREL -> PUBCOMP, by packet id: retransmitted PUBLISHes with DUP (answered, or looked up in the sink
 * when the first copy's outcome is unknown: in doubt), PUBREL, and the hand-over of the flows to the
 * session when the connection ends [MQTT-4.3.3, MQTT-4.1.0-1]. Apart from {@link InboundQosFlows}
 * because exactly-once is the one part of the inbound flows with state of its own; routing in arrival
 * order is {@link Qos2Routing}'s, PUBREC in arrival order {@link InboundAckQueue}'s.
 *
 * <p>Threading: confined to the connection's event loop; created by {@link InboundQosFlows} on the
 * connection's first QoS 2 flow (a PUBLISH, or flows resumed from the session).
 */
final class InboundQos2Flows {

    private static final Map<Integer, Qos2Flow> NO_FLOWS = Collections.emptyMap();

    private final InboundQosFlows flows;
    private final ClientConnection connection;
    /* The QoS 2 messages between the sink and PUBREC; created on the first QoS 2 PUBLISH. */
    private Qos2Routing routes;
    private Map<Integer, Qos2Flow> byPacketId = NO_FLOWS;
    /* PUBCOMPs waiting for their record to leave the store, and the close that waits for them (if any). */
    private int pubcompsOwed;
    private CompletableFuture<Void> pubcompsWritten;

    InboundQos2Flows(InboundQosFlows flows, ClientConnection connection) {
        this.flows = flows;
        this.connection = connection;
    }

    /** Whether a QoS 2 flow with {@code packetId} is between PUBLISH and PUBREL. */
    boolean has(int packetId) {
        return byPacketId.containsKey(packetId);
    }

    /** See {@link InboundQosFlows#awaitQos2}. */
    void await(int packetId, PublishedMessage message, CompletableFuture<Void> sunk,
               Function<PublishedMessage, Routed> route, int ackWindow) {
        Qos2Flow flow = new Qos2Flow(message, new CompletableFuture<>(), flows);
        writable().put(packetId, flow);
        if (routes == null) {
            routes = new Qos2Routing(flows, connection);
        }
        routes.add(packetId, flow, sunk, route);
        flows.awaitSink(packetId, 2, flow.outcome, ackWindow);
    }

    /** A refused QoS 2 PUBLISH still waits for its PUBREL. */
    void refused(int packetId) {
        writable().put(packetId, new Qos2Flow(null, Qos2Flow.DONE, flows));
    }

    /** See {@link InboundQosFlows#retransmittedQos2}. */
    Instant retransmitted(int packetId, int ackWindow) {
        Qos2Flow flow = byPacketId.get(packetId);
        if (!flow.outcome.isDone()) {
            if (flow.answeredBy() != flows) {
                // Still in progress on the connection this one took over: its PUBREC must come here.
                flow.answerOn(flows);
                flows.awaitSink(packetId, 2, flow.outcome, ackWindow);
            }
            // Else the first copy's PUBREC is still waiting for the sink; it answers this one too.
            return null;
        }
        if (!flow.outcome.isCompletedExceptionally()) {
            connection.writeReply(MqttMessageType.PUBREC, MqttQoS.AT_MOST_ONCE, packetId, MqttReasonCode.SUCCESS);
            connection.flushSoon();
            return null;
        }
        return flow.receivedAt() == null ? Instant.now() : flow.receivedAt();
    }

    /** See {@link InboundQosFlows#mayBeStored}. */
    boolean mayBeStored(int packetId) {
        Qos2Flow flow = byPacketId.get(packetId);
        if (flow == null || !flow.outcome.isCompletedExceptionally()) {
            return false;
        }
        return flow.message == null
                || SinkFailures.reasonOf(SinkFailures.causeOf(flow.outcome)) == MqttReasonCode.UNSPECIFIED_ERROR;
    }

    /**
     * PUBREL from the client: ends the QoS 2 flow with PUBCOMP (0x92 when the packet id is unknown),
     * once the flow's stored record is gone ({@link Qos2Log#released}).
     */
    void onPubrel(int packetId) {
        Qos2Flow flow = byPacketId.remove(packetId);
        if (flow == null) {
            pubcomp(packetId, MqttReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
            return;
        }
        flows.completed();
        CompletableFuture<Void> forgotten = forgetRecord(packetId);
        if (forgotten.isDone()) {
            pubcomp(packetId, MqttReasonCode.SUCCESS);
        } else {
            pubcompsOwed++;
            forgotten.whenComplete((ignored, error) -> connection.channel().eventLoop()
                    .execute(() -> owedPubcomp(packetId)));
        }
    }

    private void owedPubcomp(int packetId) {
        pubcomp(packetId, MqttReasonCode.SUCCESS);
        if (--pubcompsOwed == 0 && pubcompsWritten != null) {
            CompletableFuture<Void> waiting = pubcompsWritten;
            pubcompsWritten = null;
            waiting.complete(null);
        }
    }

    /** See {@link InboundQosFlows#pubcompsWritten}. */
    CompletableFuture<Void> pubcompsWritten() {
        if (pubcompsOwed == 0) {
            return Qos2Flow.DONE;
        }
        if (pubcompsWritten == null) {
            pubcompsWritten = new CompletableFuture<>();
        }
        return pubcompsWritten;
    }

    private void pubcomp(int packetId, int reasonCode) {
        connection.writeReply(MqttMessageType.PUBCOMP, MqttQoS.AT_MOST_ONCE, packetId, reasonCode);
        connection.flushSoon();
    }

    /** A PUBREC with an error code ended the flow {@code packetId} [MQTT-4.3.3]: no PUBREL will come. */
    void endedWithoutPubrel(int packetId) {
        byPacketId.remove(packetId);
        flows.completed();
        forgetRecord(packetId);
    }

    /* The flow's record in the session store goes with it; completes once it is gone. */
    private CompletableFuture<Void> forgetRecord(int packetId) {
        Qos2Log current = flows.qos2Log();
        return current == null ? Qos2Flow.DONE : current.released(packetId);
    }

    /** See {@link InboundQosFlows#qos2FlowsForSession}. */
    Map<Integer, Qos2Flow> forSession() {
        Map<Integer, Qos2Flow> kept = byPacketId;
        // Handed over once: a second hand-over (takeover, then the close) must not bring back flows
        // the next connection has completed meanwhile, or a new PUBLISH reusing the id would be lost.
        byPacketId = NO_FLOWS;
        return kept;
    }

    /** Takes in the session's {@code resumed} flows; returns how many were not known here yet. */
    int resume(Map<Integer, Qos2Flow> resumed) {
        int added = 0;
        for (Map.Entry<Integer, Qos2Flow> entry : resumed.entrySet()) {
            if (writable().putIfAbsent(entry.getKey(), entry.getValue()) == null) {
                added++;
            }
        }
        return added;
    }

    private Map<Integer, Qos2Flow> writable() {
        if (byPacketId == NO_FLOWS) {
            byPacketId = new HashMap<>(4);
        }
        return byPacketId;
    }
}
