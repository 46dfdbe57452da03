package io.mqttbridge.broker.handler.subscribe;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.session.Session;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a connection's SUBACK and UNSUBACK packets in the order of the SUBSCRIBE and UNSUBSCRIBE
 * packets they answer, each once what it promises holds (the session store has the change, a
 * cluster's routes record is in Kafka). An acknowledgement that has to wait holds back the ones
 * after it: a client that unsubscribes right after subscribing must not get the UNSUBACK first,
 * because clients and test suites match acknowledgements to requests in packet order.
 *
 * <p>Threading: call from the session's tasks only; the connection's pending acknowledgement is
 * read and written there.
 */
final class SubscriptionAcks {

    private SubscriptionAcks() {
    }

    /**
     * Runs {@code ack} (which writes the acknowledgement) in a task of {@code session}: in this
     * task when everything in {@code durable} is done and no earlier acknowledgement is waiting,
     * else once they all are, whether they succeeded or failed.
     */
    static void send(ClientConnection connection, Session session, List<CompletableFuture<Void>> durable,
                     Runnable ack) {
        CompletableFuture<Void> earlier = connection.pendingSubscriptionAck();
        if (earlier == null && durable.stream().allMatch(CompletableFuture::isDone)) {
            ack.run();
            return;
        }
        CompletableFuture<?>[] awaited = durable.toArray(new CompletableFuture<?>[durable.size() + 1]);
        awaited[durable.size()] = earlier == null ? CompletableFuture.completedFuture(null) : earlier;
        // Completed inside the task that wrote the acknowledgement, so a later one (which waits for
        // it) is queued behind that task in the session's order.
        CompletableFuture<Void> sent = new CompletableFuture<>();
        connection.setPendingSubscriptionAck(sent);
        CompletableFuture.allOf(awaited).whenComplete((ignored, error) -> session.execute(() -> {
            ack.run();
            connection.channel().flush();
            if (connection.pendingSubscriptionAck() == sent) {
                connection.setPendingSubscriptionAck(null);
            }
            sent.complete(null);
        }));
    }
}
