package io.mqttbridge.broker.session;

import io.mqttbridge.broker.netty.RoutedMessage;

import java.util.concurrent.CompletableFuture;

/**
 * A message routed to a session: queued for its client (sent at once when the client is connected
 * and its window allows), sent on to the node the session moved to while it forwards elsewhere, or
 * dropped when the session ended; and the publisher's wait for the message to be durable.
 *
 * <p>Threading: stateless; {@link #deliver} from any thread (other connections' event loops, the
 * downlink, the cluster inbox): it only enqueues one task on the session's mailbox, so nothing on the
 * publish path takes a lock. {@code onHandled} and {@code stored} are completed from that task or
 * from the store's thread.
 */
final class SessionDelivery {

    private SessionDelivery() {
    }

    /** See {@link Session#deliver(RoutedMessage, int, boolean, int[], Runnable, CompletableFuture, String)}. */
    static void deliver(Session session, RoutedMessage message, int qos, boolean retain, int[] subscriptionIds,
                        Runnable onHandled, CompletableFuture<Void> stored, String sharedGroup) {
        session.execute(() -> {
            RecoveryHolds recoveries = session.manager().recoveryHolds();
            if (recoveries.anyOpen() || session.manager().retainedGates().anyOpen()) {
                // A dead node's backlog for this session, or a new subscription's retained messages,
                // go first: this one may wait for them.
                RetainedGates.Waiting delivery = new RetainedGates.Waiting(message, qos, retain, subscriptionIds,
                        onHandled, stored, sharedGroup);
                if (!recoveries.holds(session, delivery)) {
                    pastRecoveryHold(session, delivery);
                }
                return;
            }
            deliverNow(session, message, qos, retain, subscriptionIds, onHandled, stored, sharedGroup);
        });
    }

    /** In a session task: {@code delivery}, which no recovery holds, waits for retained messages or is queued now. */
    static void pastRecoveryHold(Session session, RetainedGates.Waiting delivery) {
        RetainedGates gates = session.manager().retainedGates();
        if (!gates.anyOpen() || !gates.holds(session, delivery)) {
            deliverNow(session, delivery);
        }
    }

    /** In a session task: queues (or sends on, or drops) {@code delivery} now. */
    static void deliverNow(Session session, RetainedGates.Waiting delivery) {
        deliverNow(session, delivery.message(), delivery.qos(), delivery.retain(), delivery.subscriptionIds(),
                delivery.onHandled(), delivery.stored(), delivery.sharedGroup());
    }

    private static void deliverNow(Session session, RoutedMessage message, int qos, boolean retain,
                                   int[] subscriptionIds, Runnable onHandled, CompletableFuture<Void> stored,
                                   String sharedGroup) {
        try {
            CompletableFuture<Void> written = session.isEnded()
                    ? (session.forwardsElsewhere()
                            ? session.manager().reforward(session.clientId(), message.message()) : null)
                    : session.outbound().enqueue(message, qos, retain, subscriptionIds, sharedGroup);
            if (stored != null) {
                if (written == null) {
                    stored.complete(null);
                } else {
                    written.whenComplete((ignored, error) -> {
                        if (error == null) {
                            stored.complete(null);
                        } else {
                            stored.completeExceptionally(error);
                        }
                    });
                }
            }
        } finally {
            if (onHandled != null) {
                onHandled.run();
            }
        }
    }
}
