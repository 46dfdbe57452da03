package io.mqttbridge.broker.routing;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Deliveries handed to the router from outside an MQTT connection (the downlink, other cluster nodes)
 * that have not finished. Each completes with the number of sessions that took the message; those
 * still pending when the broker stops fail, so that no caller (and no Kafka commit) waits forever.
 * Thread-safe.
 */
public final class PendingDeliveries {

    private final Set<CompletableFuture<Integer>> pending = ConcurrentHashMap.newKeySet();

    /**
     * Starts one delivery.
     *
     * @param route starts the routing, given the consumer of the count of sessions that took the
     *     message; its future completes once the message is where it must be (stored, forwarded)
     * @return the count once both the routing and the count are in; failed if routing could not start
     */
    public CompletableFuture<Integer> track(Function<IntConsumer, CompletableFuture<Void>> route) {
        CompletableFuture<Integer> handed = new CompletableFuture<>();
        pending.add(handed);
        handed.whenComplete((count, error) -> pending.remove(handed));
        try {
            CompletableFuture<Integer> count = new CompletableFuture<>();
            route.apply(count::complete).thenCombine(count, (ignored, n) -> n).whenComplete((n, error) -> {
                if (error == null) {
                    handed.complete(n);
                } else {
                    handed.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            // A session executor refused the task: the broker is stopping.
            handed.completeExceptionally(new IllegalStateException("MQTT broker is stopping", e));
        }
        return handed;
    }

    /** Fails every delivery still pending: the broker stopped before they reached every session. */
    public void failAll() {
        for (CompletableFuture<Integer> delivery : pending) {
            delivery.completeExceptionally(
                    new IllegalStateException("MQTT broker stopped before the message reached every session"));
        }
    }
}
