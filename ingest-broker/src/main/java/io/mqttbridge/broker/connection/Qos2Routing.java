package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.connection.InboundQosFlows.Qos2Log;
import io.mqttbridge.broker.connection.InboundQosFlows.Routed;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.WriteSpan;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The QoS 2 messages of one connection between the sink and their PUBREC: each is routed to the
 * subscribers only once the sink confirmed it, strictly in arrival order, and then, for a session
 * that outlives its connection, its packet id is recorded in the session's {@link Qos2Log} (issued
 * right after the subscribers' writes, and committed with them: {@link Qos2Log#openSpan}) before its
 * flow's outcome completes and PUBREC may be sent.
 * A message the sink refused is never routed: its outcome fails, and a retransmission goes to the
 * sink again.
 *
 * <p>Threading: confined to the connection's event loop, like the {@link InboundQos2Flows} that
 * creates it on the connection's first QoS 2 PUBLISH; sink futures may complete on any thread, and
 * the routing they allow runs back on the event loop.
 */
final class Qos2Routing {

    /** A QoS 2 message waiting, in arrival order, for its sink result before it is routed. */
    private record PendingRoute(int packetId, Qos2Flow flow, CompletableFuture<Void> sunk,
                                Function<PublishedMessage, Routed> route) {
    }

    private final InboundQosFlows flows;
    private final ClientConnection connection;
    private final ArrayDeque<PendingRoute> routes = new ArrayDeque<>(4);

    Qos2Routing(InboundQosFlows flows, ClientConnection connection) {
        this.flows = flows;
        this.connection = connection;
    }

    /** Routes {@code flow}'s message with {@code route} once {@code sunk} and every earlier one completed. */
    void add(int packetId, Qos2Flow flow, CompletableFuture<Void> sunk, Function<PublishedMessage, Routed> route) {
        routes.addLast(new PendingRoute(packetId, flow, sunk, route));
        if (sunk.isDone()) {
            routeReady();
        } else {
            sunk.whenComplete((ignored, error) -> connection.channel().eventLoop().execute(this::routeReady));
        }
    }

    /* Routes the QoS 2 messages at the head whose sink result is in, in arrival order. */
    private void routeReady() {
        PendingRoute head;
        while ((head = routes.peekFirst()) != null && head.sunk().isDone()) {
            routes.pollFirst();
            CompletableFuture<Void> outcome = head.flow().outcome;
            if (head.sunk().isCompletedExceptionally()) {
                Throwable cause = SinkFailures.causeOf(head.sunk());
                outcome.completeExceptionally(cause == null ? new IllegalStateException("sink failed") : cause);
                continue;
            }
            Qos2Log current = flows.qos2Log();
            if (current != null && current.movedAway()) {
                // Its record says "in doubt" in the store: the session's new node looks it up in the sink
                // when the client retransmits it, and routes it there. Routing it here too would be twice.
                outcome.completeExceptionally(new IllegalStateException("the session moved to another node"));
                continue;
            }
            // Opened before any subscriber's write, closed once the record is issued: the copies and the
            // record commit together, so a crash cannot leave the copies without the record (a
            // retransmission found in the sink would then be routed to them twice).
            WriteSpan span = current == null ? WriteSpan.NONE : current.openSpan();
            Routed routed;
            try {
                routed = head.route().apply(head.flow().message);
            } catch (RuntimeException e) {
                CompletableFuture<Void> failed = CompletableFuture.failedFuture(e);
                routed = new Routed(failed, failed, failed);
            }
            CompletableFuture<Void> recorded = current == null ? routed.stored()
                    : CompletableFuture.allOf(routed.stored(), recordWithin(span, routed, current, head.packetId()));
            if (recorded.isDone() && !recorded.isCompletedExceptionally()) {
                outcome.complete(null);
            } else {
                recorded.whenComplete((ignored, error) -> {
                    if (error == null) {
                        outcome.complete(null);
                    } else {
                        outcome.completeExceptionally(error);
                    }
                });
            }
        }
    }

    /**
     * Issues the packet id's "received" record once the subscribers' writes are issued, and then ends
     * {@code span}. With other nodes the record waits for their copies, which no commit here can
     * include: the span then ends with this node's copies instead of holding the store's commits back.
     */
    private static CompletableFuture<Void> recordWithin(WriteSpan span, Routed routed, Qos2Log log, int packetId) {
        if (routed.handed() != routed.submitted()) {
            routed.handed().whenComplete((ignored, error) -> span.close());
        }
        return routed.submitted().handle((ignored, error) -> {
            try {
                return error == null ? log.received(packetId) : CompletableFuture.<Void>failedFuture(error);
            } finally {
                span.close();
            }
        }).thenCompose(record -> record);
    }
}
