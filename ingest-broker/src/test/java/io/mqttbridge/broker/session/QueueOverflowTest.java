package io.mqttbridge.broker.session;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.config.QueueOverflowPolicy;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.session.QueueOverflow.Outcome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.mqttbridge.broker.session.OutboundQueueTest.delivery;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policies on a queue without a connection (the client is away); the disconnect of a connected
 * slow subscriber is covered end to end by {@code e2e.QueueOverflowPolicyTest}.
 */
class QueueOverflowTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final BrokerMetrics metrics = new BrokerMetrics(registry, () -> 0, () -> 0);
    private final List<OutboundDelivery> forgotten = new ArrayList<>();

    @Test
    void dropOldestDropsFromTheHeadUntilTheNewMessageFitsAndForgetsEach() {
        OutboundDelivery first = delivery("t/1", 100, 1, 1);
        OutboundDelivery second = delivery("t/2", 100, 1, 2);
        OutboundDelivery third = delivery("t/3", 100, 1, 3);
        OutboundQueue queue = new OutboundQueue(metrics, 0, 3L * first.bytes, new QueuedMemory(0));
        queue.addLast(first);
        queue.addLast(second);
        queue.addLast(third);
        OutboundDelivery big = delivery("t/4", 250, 1, 4);
        QueueOverflow overflow = new QueueOverflow(QueueOverflowPolicy.DROP_OLDEST, metrics);

        assertThat(overflow.onFull(queue, big, null, forgotten::add, sequence -> { })).isEqualTo(Outcome.ROOM_MADE);

        assertThat(forgotten).containsExactly(first, second);
        assertThat(queue.peekFirst()).isSameAs(third);
        assertThat(queue.isFull(big.bytes)).isFalse();
        assertThat(queue.drops()).isEqualTo(2);
        assertThat(queueFullDrops()).isEqualTo(2);
    }

    @Test
    void dropOldestTakesTheMessagesInMemoryFirstThenTheOldestSpilledOnesAndForgetsEachInTheStore() {
        OutboundDelivery inMemory = delivery("t/1", 100, 1, 1);
        OutboundQueue queue = new OutboundQueue(metrics, 0, 4L * inMemory.bytes, new QueuedMemory(0));
        queue.addLast(inMemory);
        queue.spill(2, inMemory.bytes);
        queue.spill(3, inMemory.bytes);
        queue.spill(4, inMemory.bytes);
        List<Long> forgottenSpilled = new ArrayList<>();
        QueueOverflow overflow = new QueueOverflow(QueueOverflowPolicy.DROP_OLDEST, metrics);

        OutboundDelivery big = delivery("t/5", 2 * 100 + 50, 1, 5);
        assertThat(overflow.onFull(queue, big, null, forgotten::add, forgottenSpilled::add))
                .isEqualTo(Outcome.ROOM_MADE);

        assertThat(forgotten).containsExactly(inMemory);
        assertThat(forgottenSpilled).containsExactly(2L);
        assertThat(queue.firstSpilledSequence()).isEqualTo(3);
        assertThat(queue.isFull(big.bytes)).isFalse();
        assertThat(queue.drops()).isEqualTo(2);
        assertThat(queueFullDrops()).isEqualTo(2);
    }

    @Test
    void dropNewestLeavesTheQueueAsItIs() {
        OutboundDelivery queued = delivery("t/1", 100, 1, 1);
        OutboundQueue queue = new OutboundQueue(metrics, 1, 1_000_000, new QueuedMemory(0));
        queue.addLast(queued);
        QueueOverflow overflow = new QueueOverflow(QueueOverflowPolicy.DROP_NEWEST, metrics);

        assertThat(overflow.onFull(queue, delivery("t/2", 100, 1, 2), null, forgotten::add, sequence -> { }))
                .isEqualTo(Outcome.DROPPED);

        assertThat(queue.peekFirst()).isSameAs(queued);
        assertThat(queue.count()).isEqualTo(1);
        assertThat(forgotten).isEmpty();
        assertThat(queue.drops()).isEqualTo(1);
        assertThat(queueFullDrops()).isEqualTo(1);
    }

    @Test
    void disconnectWithoutAConnectionDropsTheMessageAndClosesNothing() {
        OutboundQueue queue = new OutboundQueue(metrics, 1, 1_000_000, new QueuedMemory(0));
        queue.addLast(delivery("t/1", 100, 1, 1));
        QueueOverflow overflow = new QueueOverflow(QueueOverflowPolicy.DISCONNECT, metrics);

        assertThat(overflow.onFull(queue, delivery("t/2", 100, 1, 2), null, forgotten::add, sequence -> { }))
                .isEqualTo(Outcome.DISCONNECTED);

        assertThat(queue.count()).isEqualTo(1);
        assertThat(queue.drops()).isEqualTo(1);
        assertThat(registry.meter(BrokerMetrics.CLOSED_SLOW_SUBSCRIBER).getCount()).isZero();
    }

    @Test
    void whenTheHeapShareIsFullDropOldestTradesOneOldMessageForTheNewAndAnEmptyQueueDropsTheNew() {
        OutboundDelivery first = delivery("t/1", 100, 1, 1);
        OutboundDelivery second = delivery("t/2", 100, 1, 2);
        OutboundQueue queue = new OutboundQueue(metrics, 0, 1_000_000, new QueuedMemory(1));
        queue.addLast(first);
        queue.addLast(second);
        QueueOverflow overflow = new QueueOverflow(QueueOverflowPolicy.DROP_OLDEST, metrics);

        assertThat(overflow.onMemoryFull(queue, null, forgotten::add)).isEqualTo(Outcome.ROOM_MADE);
        assertThat(forgotten).containsExactly(first);
        assertThat(queue.peekFirst()).isSameAs(second);

        OutboundQueue empty = new OutboundQueue(metrics, 0, 1_000_000, new QueuedMemory(1));
        assertThat(overflow.onMemoryFull(empty, null, forgotten::add)).isEqualTo(Outcome.DROPPED);
        assertThat(queueFullDrops()).isEqualTo(2);
        assertThat(registry.meter(BrokerMetrics.QUEUED_HEAP_EXCEEDED).getCount()).isEqualTo(2);
    }

    @Test
    void whenTheHeapShareIsFullDropNewestAndAnOfflineDisconnectDropTheNewMessage() {
        OutboundQueue queue = new OutboundQueue(metrics, 0, 1_000_000, new QueuedMemory(1));
        queue.addLast(delivery("t/1", 100, 1, 1));
        assertThat(new QueueOverflow(QueueOverflowPolicy.DROP_NEWEST, metrics).onMemoryFull(queue, null, forgotten::add))
                .isEqualTo(Outcome.DROPPED);
        assertThat(new QueueOverflow(QueueOverflowPolicy.DISCONNECT, metrics).onMemoryFull(queue, null, forgotten::add))
                .isEqualTo(Outcome.DROPPED);
        assertThat(queue.count()).isEqualTo(1);
        assertThat(forgotten).isEmpty();
        assertThat(queue.drops()).isEqualTo(2);
    }

    private long queueFullDrops() {
        return registry.meter(DropReason.QUEUE_FULL.metricName()).getCount();
    }
}
