package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.spi.PublishedMessage;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * A QoS 2 message between PUBLISH and PUBREL; opaque outside this package, where it is only carried
 * from one connection of a session to the next (the session holds it between connections, so a
 * retransmission on the next connection is answered instead of taken in again [MQTT-4.3.3]). Its
 * {@code outcome} completes once the message is stored, routed and recorded (PUBREC may be sent), or
 * exceptionally when the sink refused it (a retransmission then goes to the sink again).
 *
 * <p>Threading: created and read on the event loop of the connection that holds it, but it may
 * complete on the loop of the connection that received it while another connection holds it: its
 * state is a future, and the connection that answers it is volatile, both safe to read from any thread.
 */
public final class Qos2Flow {

    static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    /* null for a refused message and for a flow restored from the session store. */
    final PublishedMessage message;
    final CompletableFuture<Void> outcome;
    /* When the message was first received: a retransmission is handed to the sink with this time. */
    private final Instant receivedAt;
    /* The connection's flows that send (or sent) this flow's PUBREC. */
    private volatile InboundQosFlows answeredBy;

    Qos2Flow(PublishedMessage message, CompletableFuture<Void> outcome, InboundQosFlows answeredBy) {
        this(message, outcome, message == null ? null : message.receivedAt(), answeredBy);
    }

    private Qos2Flow(PublishedMessage message, CompletableFuture<Void> outcome, Instant receivedAt,
                     InboundQosFlows answeredBy) {
        this.message = message;
        this.outcome = outcome;
        this.receivedAt = receivedAt;
        this.answeredBy = answeredBy;
    }

    /** A flow whose PUBREC was sent on an earlier connection (restored from the session store). */
    public static Qos2Flow received() {
        return new Qos2Flow(null, DONE, null);
    }

    /**
     * A flow handed to the sink on an earlier connection (restored from the session store) whose
     * outcome is unknown: its retransmission is looked up in the sink before it is handed over again.
     */
    public static Qos2Flow inDoubt(Instant receivedAt) {
        return new Qos2Flow(null, CompletableFuture.failedFuture(new IllegalStateException("outcome unknown")),
                receivedAt, null);
    }

    /** When the message was first received, or {@code null} when that is not known. */
    Instant receivedAt() {
        return receivedAt;
    }

    /** The connection's flows that send this flow's PUBREC. */
    InboundQosFlows answeredBy() {
        return answeredBy;
    }

    /** From now on {@code flows} sends this flow's PUBREC (it took the session over). */
    void answerOn(InboundQosFlows flows) {
        this.answeredBy = flows;
    }
}
