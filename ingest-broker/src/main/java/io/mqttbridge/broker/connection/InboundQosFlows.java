package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.WriteSpan;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The inbound QoS 1 and QoS 2 flows of one connection: the entry point the {@code PublishHandler} and
 * the session use, and the count of flows in progress (receive maximum). PUBLISH -> (sink) -> PUBACK
 * for QoS 1; PUBLISH -> (sink) -> routed to subscribers -> (recorded) -> PUBREC -> PUBREL -> PUBCOMP
 * for QoS 2, including retransmitted PUBLISHes with DUP and flows that outlive a connection in the
 * session [MQTT-4.3.3]. The {@code PublishHandler} validates a PUBLISH and hands it to the sink; from
 * then on these classes decide what the client is told. The work is split by concern:
 * {@link InboundAckQueue} releases the acknowledgements in arrival order once the sink has the
 * messages [MQTT-4.6.0-2/3]; {@link InboundQos2Flows} keeps the QoS 2 flows by packet id (retransmissions,
 * in-doubt flows, PUBREL, the hand-over to the session); {@link Qos2Routing} routes QoS 2 messages in
 * arrival order once the sink confirmed them. Both parts are created on first use: most connections
 * never publish QoS 1/2, and each connection counts.
 *
 * <p>QoS 2 is exactly once: a QoS 2 message is routed to subscribers only once the sink confirmed it
 * (so a message the sink refused is never delivered, whatever the client does next), in arrival
 * order; for a session that outlives its connection its packet id is then recorded in the session
 * store ({@link Qos2Log}) before PUBREC, so a retransmission after a crash of the node, or on
 * another node, is answered with PUBREC instead of being taken in again.
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
        /**
         * Records {@code packetId}, received at {@code receivedAt}, as handed to the sink with an unknown
         * outcome; the message goes to the sink once this completes.
         */
        CompletableFuture<Void> sending(int packetId, Instant receivedAt);

        /** Records {@code packetId} durably; PUBREC is sent once this completes. */
        CompletableFuture<Void> received(int packetId);

        /**
         * Opens a span around the routing of a QoS 2 message: the subscribers' copies issued within it
         * and its {@link #received} record become durable together ({@code SessionStore#openSpan}).
         */
        default WriteSpan openSpan() {
            return WriteSpan.NONE;
        }

        /**
         * Whether the session moved to another node: a QoS 2 message whose sink result comes in after
         * that is not routed here; the node that holds the session now decides, when the client
         * retransmits it there, whether the sink has it.
         */
        default boolean movedAway() {
            return false;
        }

        /**
         * PUBREL arrived for {@code packetId}: forget it. PUBCOMP is sent once this completes (with or
         * without error): a record still there after a crash would take the client's next PUBLISH
         * reusing the packet id for a retransmission, and drop it.
         */
        CompletableFuture<Void> released(int packetId);
    }

    /**
     * A QoS 2 message handed to the router.
     *
     * @param handed completes once this node's subscribers issued their writes to the session store
     * @param submitted completes once every write that makes it durable for its subscribers was issued
     *     (to the session store, whose writes are applied in order, or to other nodes): the packet id's
     *     record issued after it cannot become durable before them; without other nodes it is {@code
     *     handed}, and the record shares the commit of this node's copies ({@link Qos2Log#openSpan})
     * @param stored completes once those writes are durable
     */
    public record Routed(CompletableFuture<Void> handed, CompletableFuture<Void> submitted,
                         CompletableFuture<Void> stored) {
    }

    private static final Map<Integer, Qos2Flow> NO_FLOWS = Collections.emptyMap();

    private final ClientConnection connection;
    /* Created on the first QoS 1/2 PUBLISH. */
    private InboundAckQueue acks;
    /* Created on the first QoS 2 flow. */
    private InboundQos2Flows qos2;
    /* Set when the session outlives this connection. */
    private Qos2Log log;
    private int unacknowledged;

    InboundQosFlows(ClientConnection connection) {
        this.connection = connection;
    }

    /** QoS 1 and 2 messages received and not yet completed (PUBACK sent / PUBCOMP sent). */
    public int unacknowledged() {
        return unacknowledged;
    }

    /**
     * The flows that count against the Receive Maximum this broker announced: every QoS 2 flow, and no
     * QoS 1 message. A QoS 1 message is in flight here only while the sink (Kafka) has not
     * acknowledged it, which the client cannot see coming; a client that publishes faster than that
     * (MQTT.js does not hold back at the Receive Maximum) is slowed by the paused reading instead of
     * being disconnected. A QoS 2 flow also waits for the client's own PUBREL, so it is counted.
     */
    public int chargedToClient() {
        return acks == null ? unacknowledged : unacknowledged - acks.qos1Waiting();
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

    /** A QoS 1 or 2 flow ended (PUBACK, PUBCOMP, or a PUBREC with an error code sent). */
    void completed() {
        if (unacknowledged > 0) {
            unacknowledged--;
        }
    }

    /** Whether a QoS 2 flow with {@code packetId} is between PUBLISH and PUBREL. */
    public boolean hasQos2(int packetId) {
        return qos2 != null && qos2.has(packetId);
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
        qos2().await(packetId, message, sunk, route, ackWindow);
    }

    /**
     * The sink was handed the QoS {@code qos} message {@code packetId}: its PUBACK / PUBREC is sent when
     * {@code sunk} completes and every earlier acknowledgement has been sent. Reading pauses while
     * {@code ackWindow} acknowledgements wait (the receive maximum; MQTT 3.1.1 has none to announce).
     * When {@code sunk} fails, MQTT 5 gets the error code in the PUBACK / PUBREC; a 3.1.1 connection
     * is closed once the acknowledgements before this one are written.
     */
    public void awaitSink(int packetId, int qos, CompletableFuture<Void> sunk, int ackWindow) {
        acks().await(packetId, qos, sunk, ackWindow);
    }

    /**
     * The QoS 1/2 message {@code packetId} is refused without going to the sink: MQTT 5 is told
     * {@code reasonCode}; 3.1.1 has no negative acknowledgement, so it is acknowledged and dropped
     * [MQTT-3.3.5-2]. A refused QoS 2 flow still waits for its PUBREL.
     */
    public void refuse(int packetId, int qos, int reasonCode) {
        if (qos == 2) {
            qos2().refused(packetId);
        }
        acks().refuse(packetId, qos, connection.isMqtt5() ? reasonCode : MqttReasonCode.SUCCESS);
    }

    /**
     * Records, for a session that outlives its connection, that the new QoS 2 message {@code packetId}
     * is about to be handed to the sink; the message goes to the sink once the returned future completes
     * (at once when nothing is recorded), so that a retransmission after a crash can be looked up.
     */
    public CompletableFuture<Void> beforeQos2Send(int packetId, Instant receivedAt) {
        Qos2Log current = log;
        return current == null ? Qos2Flow.DONE : current.sending(packetId, receivedAt);
    }

    /**
     * A QoS 2 PUBLISH arrived again (DUP) while its flow is in progress ({@link #hasQos2}). Answered
     * here when its PUBREC was sent or is on its way (on an earlier connection of the session: answered
     * on this one once that completes); when the sink failed to take the first copy (the client got no
     * PUBREC and retried), or its outcome is unknown (restored from the session store), the time the
     * first copy was received is returned: the retransmission is to be looked up in the sink with it
     * and handed over again ({@link #awaitQos2}) only when the sink does not have it; it was not routed.
     *
     * @return the first copy's receive time when the message must be looked up, or {@code null}
     */
    public Instant retransmittedQos2(int packetId, int ackWindow) {
        return qos2.retransmitted(packetId, ackWindow);
    }

    /**
     * Whether the QoS 2 message {@code packetId}, whose hand-over to the sink did not succeed, may be
     * stored all the same: restored in doubt, or failed with "unspecified error" (a timeout: Kafka may
     * have written it). Not when the sink refused it before sending (quota, topic): that retransmission
     * goes straight to the sink again.
     */
    public boolean mayBeStored(int packetId) {
        return qos2 != null && qos2.mayBeStored(packetId);
    }

    /** PUBREL from the client: ends the QoS 2 flow with PUBCOMP (0x92 when the packet id is unknown). */
    public void onPubrel(int packetId) {
        qos2().onPubrel(packetId);
    }

    /**
     * Completes, on the event loop, once the PUBCOMP of every PUBREL read so far is written (unflushed):
     * each waits until its packet id's record is gone from the session store.
     */
    public CompletableFuture<Void> pubcompsWritten() {
        return qos2 == null ? Qos2Flow.DONE : qos2.pubcompsWritten();
    }

    /* A PUBREC with an error code ended the QoS 2 flow {@code packetId}. */
    void qos2EndedWithoutPubrel(int packetId) {
        qos2().endedWithoutPubrel(packetId);
    }

    /**
     * The QoS 2 flows to keep in the session when this connection ends [MQTT-4.1.0-1]: acknowledged
     * ones stay acknowledged; ones still waiting for the sink complete here and are answered on the
     * next connection when the client retransmits; failed ones go to the sink again then. Handed over
     * once: a second call returns none.
     */
    public Map<Integer, Qos2Flow> qos2FlowsForSession() {
        return qos2 == null ? NO_FLOWS : qos2.forSession();
    }

    /** Resumes the QoS 2 flows of the session on a new connection. */
    public void resumeQos2Flows(Map<Integer, Qos2Flow> flows) {
        if (!flows.isEmpty()) {
            unacknowledged += qos2().resume(flows);
        }
    }

    private InboundAckQueue acks() {
        if (acks == null) {
            acks = new InboundAckQueue(this, connection);
        }
        return acks;
    }

    private InboundQos2Flows qos2() {
        if (qos2 == null) {
            qos2 = new InboundQos2Flows(this, connection);
        }
        return qos2;
    }
}
