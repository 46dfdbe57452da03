package io.mqttbridge.broker.session;

import io.mqttbridge.broker.config.QueueOverflowPolicy;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;

import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * What a session does with a message that finds its {@link OutboundQueue} full, by the configured
 * {@link QueueOverflowPolicy}: drop the oldest until it fits, drop the new one, or disconnect the
 * (slow) subscriber. Every message lost to a full queue is counted here, per session and in {@code
 * mqtt.messages.dropped.queue-full}. One for all sessions: the per-session count is the queue's
 * ({@link OutboundQueue#drops()}), so that a session does not carry an object of this for it.
 *
 * <p>Threading: called on the session's executor.
 */
final class QueueOverflow {

    /** What became of the message that found the queue full. */
    enum Outcome {
        /** Room was made: queue it. */
        ROOM_MADE,
        /** It was dropped; the connection stays. */
        DROPPED,
        /** It was dropped and the subscriber disconnected. */
        DISCONNECTED
    }

    private final QueueOverflowPolicy policy;
    private final BrokerMetrics metrics;

    QueueOverflow(QueueOverflowPolicy policy, BrokerMetrics metrics) {
        this.policy = policy;
        this.metrics = metrics;
    }

    /**
     * Applies the policy to {@code incoming}, which does not fit into {@code queue}.
     *
     * @param current the connection of the session now, or {@code null} while the client is away
     * @param forget told of each queued message dropped to make room
     * @param forgetSpilled told of the sequence of each spilled message dropped to make room (the
     *     oldest in memory go first)
     */
    Outcome onFull(OutboundQueue queue, OutboundDelivery incoming, ClientConnection current,
                   Consumer<OutboundDelivery> forget, LongConsumer forgetSpilled) {
        return switch (policy) {
            case DROP_OLDEST -> {
                while (!queue.isEmpty() && queue.isFull(incoming.bytes)) {
                    dropOldest(queue, forget);
                }
                while (queue.hasSpilled() && queue.isFull(incoming.bytes)) {
                    for (OutboundQueue.Spilled dropped : queue.takeSpilledUpTo(queue.firstSpilledSequence())) {
                        counted(queue);
                        forgetSpilled.accept(dropped.sequence());
                    }
                }
                yield Outcome.ROOM_MADE;
            }
            case DROP_NEWEST -> {
                counted(queue);
                yield Outcome.DROPPED;
            }
            case DISCONNECT -> {
                counted(queue);
                if (current != null) {
                    disconnectSlow(current);
                }
                yield Outcome.DISCONNECTED;
            }
        };
    }

    /**
     * Applies the policy to {@code incoming} when the queues of all sessions hold their share of the heap
     * ({@link QueuedMemory}) and it would wait in {@code queue}: a message for a message, never more. Drop
     * oldest takes out this session's oldest (none left: the new one is dropped), drop newest drops the
     * new one, and disconnect disconnects the subscriber (an offline session drops the new one).
     */
    Outcome onMemoryFull(OutboundQueue queue, ClientConnection current, Consumer<OutboundDelivery> forget) {
        metrics.droppedForMemory();
        return switch (policy) {
            case DROP_OLDEST -> {
                if (queue.isEmpty()) {
                    counted(queue);
                    yield Outcome.DROPPED;
                }
                dropOldest(queue, forget);
                yield Outcome.ROOM_MADE;
            }
            case DROP_NEWEST -> {
                counted(queue);
                yield Outcome.DROPPED;
            }
            case DISCONNECT -> {
                counted(queue);
                if (current == null) {
                    yield Outcome.DROPPED;
                }
                disconnectSlow(current);
                yield Outcome.DISCONNECTED;
            }
        };
    }

    private void dropOldest(OutboundQueue queue, Consumer<OutboundDelivery> forget) {
        OutboundDelivery dropped = queue.pollFirst();
        counted(queue);
        forget.accept(dropped);
    }

    private void disconnectSlow(ClientConnection current) {
        metrics.slowSubscriberDisconnected();
        current.disconnect(MqttReasonCode.QUOTA_EXCEEDED, DisconnectInfo.SLOW_SUBSCRIBER);
    }

    /** One message lost because there was no room for it in {@code queue}. */
    void counted(OutboundQueue queue) {
        queue.countDrop();
        metrics.dropped(DropReason.QUEUE_FULL);
    }
}
