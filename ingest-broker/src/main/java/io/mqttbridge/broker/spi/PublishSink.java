package io.mqttbridge.broker.spi;

import java.util.concurrent.CompletableFuture;

/**
 * Where the broker hands every accepted application message for durable storage (the Kafka mirror).
 * The broker acknowledges a QoS 1 PUBLISH (PUBACK) or a QoS 2 PUBLISH (PUBREC) only after the
 * future returned by {@link #accept} completes normally.
 *
 * <p>Threading: {@link #accept} is called on the publishing connection's event loop, once per
 * accepted PUBLISH, in the order the connection received them; except that a QoS 2 message of a
 * persistent session is handed over only once the session store recorded it (see
 * {@link SessionStore#sendingQos2}), so it may come after QoS 0/1 messages received after it (QoS 2
 * messages keep their order among themselves). It must not block. The returned
 * future may complete on any thread.
 *
 * <p>Errors: the future completes exceptionally with {@link PublishRejectedException} when the
 * message could not be stored (the broker then answers MQTT 5 clients with the exception's reason
 * code and sends no acknowledgement to MQTT 3.1.1 clients, so that they retransmit). A QoS 0 or 1 message
 * is routed to subscribers while the sink stores it, unless the returned future has already failed: a
 * message refused at once (a full disk, a topic the sink cannot map) reaches no subscriber. Messages the
 * sink is not interested in (no mirroring rule matches) complete normally at once.
 *
 * <p>Back-pressure: while {@link #isAcceptingPublishes()} is false the broker stops reading from
 * connections that publish, and resumes when a listener registered through
 * {@link #addPressureListener} is told that the sink accepts again.
 */
public interface PublishSink {

    /** A sink that stores nothing and acknowledges everything at once: a broker without Kafka. */
    PublishSink NONE = message -> CompletableFuture.completedFuture(null);

    CompletableFuture<Void> accept(PublishedMessage message);

    /**
     * Whether {@code message}, handed to {@link #accept} before with the same client id, receive time,
     * topic and payload, is stored: asked before a QoS 2 message whose earlier hand-over had an
     * unknown outcome (the node crashed, or the sink timed out) is handed over again, so that it is
     * not stored twice. May take a while (a bounded look-up); never blocks the caller.
     *
     * @return true when it is stored, false when it is not or the sink cannot tell (the broker then
     *     hands it over again: at least once); fails when the look-up itself failed (the broker then
     *     fails the publish, and the client retries later)
     */
    default CompletableFuture<Boolean> isStored(PublishedMessage message) {
        return CompletableFuture.completedFuture(false);
    }

    /** Whether the sink can take more messages without exceeding its memory bound. */
    default boolean isAcceptingPublishes() {
        return true;
    }

    /**
     * Registers a callback run (on any thread) whenever {@link #isAcceptingPublishes()} may have
     * changed. The callback must be cheap and must not block.
     */
    default void addPressureListener(Runnable listener) {
    }
}
