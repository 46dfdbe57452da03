package io.mqttbridge.broker.session;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredOnlyMessage;

import java.util.List;
import java.util.function.Function;

/**
 * A session's stored messages put back into its outbound flows (a restart, a takeover from another
 * node): those with a packet identifier as unacknowledged, the rest as queued, and behind them those
 * whose content the load left in the store ({@code storedOnly}) as spilled, as are queued ones past the
 * heap bound when the session writes through. Part of {@link OutboundQosFlows}.
 *
 * <p>Threading: stateless; called on the session's executor.
 */
final class OutboundRestore {

    private OutboundRestore() {
    }

    /**
     * Restores {@code stored} and {@code storedOnly}, each stored message prepared by {@code prepare}.
     * Sequences are kept; unnumbered messages are numbered from {@code nextSequence} on, after the highest.
     *
     * @param writesThrough whether the session writes through to the store, so that a queued message may
     *     wait there alone
     * @return the sequence of the next new message
     */
    static long restore(List<PendingMessage> stored, List<StoredOnlyMessage> storedOnly,
                        Function<PublishedMessage, RoutedMessage> prepare, long nextSequence, boolean writesThrough,
                        OutboundQueue queue, UnacknowledgedDeliveries inflight, BrokerMetrics metrics) {
        long next = nextSequence;
        for (PendingMessage message : stored) {
            next = Math.max(next, message.sequence() + 1);
        }
        for (StoredOnlyMessage message : storedOnly) {
            next = Math.max(next, message.sequence() + 1);
        }
        for (PendingMessage message : stored) {
            if (writesThrough && mayStayInStore(message) && (queue.hasSpilled() || queue.isMemoryFullNow())) {
                // Restored with less heap than they took (or behind those): read back when the client can take them.
                metrics.spilled();
                queue.spill(message.sequence(), OutboundQueue.bytesOf(message.message()));
                continue;
            }
            OutboundDelivery pending = OutboundDelivery.fromStored(message, prepare.apply(message.message()),
                    message.sequence() > 0 ? message.sequence() : next++);
            if (message.packetId() > 0) {
                inflight.add(pending);
            } else {
                queue.addLast(pending);
            }
        }
        for (StoredOnlyMessage message : storedOnly) {
            metrics.spilled();
            queue.spill(message.sequence(), message.bytes() + OutboundQueue.MESSAGE_OVERHEAD_BYTES);
        }
        return next;
    }

    /* Queued (never sent), stored under its sequence, for this session alone: it may wait in the store alone. */
    private static boolean mayStayInStore(PendingMessage message) {
        return message.packetId() == 0 && message.qos() > 0 && message.sequence() > 0 && message.sharedGroup() == null;
    }
}
