package io.mqttbridge.broker.session;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.PublishedMessage;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundQueueTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final BrokerMetrics metrics = new BrokerMetrics(registry, () -> 0, () -> 0);

    @Test
    void countsPayloadTopicAndAFixedOverheadPerMessage() {
        RoutedMessage message = message("a/b", 10, 1);
        assertThat(OutboundQueue.bytesOf(message)).isEqualTo(10 + 3 + 96);
    }

    @Test
    void keepsCountBytesAndTheQueuedGaugeInStepAcrossAddAndPoll() {
        OutboundQueue queue = new OutboundQueue(metrics, 10, 10_000, new QueuedMemory(0));
        OutboundDelivery first = delivery("t/1", 100, 1, 1);
        OutboundDelivery second = delivery("t/2", 50, 0, 2);

        queue.addLast(first);
        queue.addLast(second);
        assertThat(queue.count()).isEqualTo(2);
        assertThat(queue.bytes()).isEqualTo(first.bytes + second.bytes);
        assertThat(queued()).isEqualTo(2);

        assertThat(queue.peekFirst()).isSameAs(first);
        assertThat(queue.pollFirst()).isSameAs(first);
        assertThat(queue.count()).isEqualTo(1);
        assertThat(queue.bytes()).isEqualTo(second.bytes);
        assertThat(queued()).isEqualTo(1);
    }

    @Test
    void isFullByMessagesOrByBytes() {
        OutboundDelivery one = delivery("t", 100, 1, 1);
        OutboundQueue byMessages = new OutboundQueue(metrics, 1, 1_000_000, new QueuedMemory(0));
        assertThat(byMessages.isFull(one.bytes)).isFalse();
        byMessages.addLast(one);
        assertThat(byMessages.isFull(1)).isTrue();

        OutboundQueue byBytes = new OutboundQueue(metrics, 0, 2L * one.bytes, new QueuedMemory(0));
        byBytes.addLast(one);
        assertThat(byBytes.isFull(one.bytes)).isFalse();
        assertThat(byBytes.isFull(one.bytes + 1)).isTrue();
        assertThat(byBytes.holdsNothingOffline()).isTrue();
        assertThat(byMessages.holdsNothingOffline()).isFalse();
    }

    @Test
    void droppingQos0TakesOnlyThoseOutOfTheAccountingAndCountsThemAsOfflineDrops() {
        OutboundQueue queue = new OutboundQueue(metrics, 10, 10_000, new QueuedMemory(0));
        OutboundDelivery qos0 = delivery("t/0", 10, 0, 1);
        OutboundDelivery qos1 = delivery("t/1", 20, 1, 2);
        queue.addLast(qos0);
        queue.addLast(qos1);

        queue.dropQos0();

        List<OutboundDelivery> left = new ArrayList<>();
        queue.forEach(left::add);
        assertThat(left).containsExactly(qos1);
        assertThat(queue.count()).isEqualTo(1);
        assertThat(queue.bytes()).isEqualTo(qos1.bytes);
        assertThat(queued()).isEqualTo(1);
        assertThat(registry.meter(DropReason.QOS0_OFFLINE.metricName()).getCount()).isEqualTo(1);
    }

    @Test
    void clearEmptiesTheAccountingAndTheGauge() {
        OutboundQueue queue = new OutboundQueue(metrics, 10, 10_000, new QueuedMemory(0));
        queue.addLast(delivery("t/1", 10, 1, 1));
        queue.addLast(delivery("t/2", 10, 2, 2));

        queue.clear();

        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.count()).isZero();
        assertThat(queue.bytes()).isZero();
        assertThat(queued()).isZero();
        assertThat(queue.pollFirst()).isNull();
    }

    @Test
    void aMessageHeldByManyQueuesIsCountedOnceAgainstTheHeapAndEachEntryOnItsOwn() {
        QueuedMemory memory = new QueuedMemory(1);
        OutboundQueue a = new OutboundQueue(metrics, 10, 10_000, memory);
        OutboundQueue b = new OutboundQueue(metrics, 10, 10_000, memory);
        RoutedMessage shared = message("t/shared", 1_000, 1);
        long payload = shared.heapBytes();
        assertThat(payload).isGreaterThan(1_000);

        a.addLast(new OutboundDelivery(shared, 1, false, new int[0], 1));
        assertThat(memory.bytes()).isEqualTo(payload + QueuedMemory.ENTRY_BYTES);
        b.addLast(new OutboundDelivery(shared, 1, false, new int[0], 1));
        b.addLast(delivery("t/other", 10, 0, 2));
        long other = message("t/other", 10, 0).heapBytes();
        assertThat(memory.bytes()).isEqualTo(payload + other + 3 * QueuedMemory.ENTRY_BYTES);

        assertThat(memory.isFull()).as("decided at the refresh only").isFalse();
        memory.refresh();
        assertThat(memory.isFull()).isTrue();

        a.pollFirst();
        assertThat(memory.bytes()).as("b still holds the shared one").isEqualTo(payload + other + 2 * QueuedMemory.ENTRY_BYTES);
        b.dropQos0();
        b.takeIf(delivery -> true);
        assertThat(memory.bytes()).isZero();

        a.addLast(new OutboundDelivery(shared, 1, false, new int[0], 3));
        a.clear();
        assertThat(memory.bytes()).isZero();
        memory.refresh();
        assertThat(memory.isFull()).isFalse();
        assertThat(new QueuedMemory(0).isFull()).as("no bound").isFalse();
    }

    @Test
    void spilledMessagesCountAgainstTheSessionsBoundsAndTheGaugeButNotTheHeapAndComeBackInPagesInOrder() {
        QueuedMemory memory = new QueuedMemory(1);
        OutboundQueue queue = new OutboundQueue(metrics, 5, 10_000, memory);
        OutboundDelivery inMemory = delivery("t/1", 100, 1, 1);
        queue.addLast(inMemory);
        long heap = memory.bytes();

        queue.spill(2, 300);
        queue.spill(3, 400);
        queue.spill(4, 500);

        assertThat(memory.bytes()).as("the store holds them, not the heap").isEqualTo(heap);
        assertThat(queue.count()).isEqualTo(4);
        assertThat(queue.bytes()).isEqualTo(inMemory.bytes + 1_200);
        assertThat(queued()).isEqualTo(4);
        assertThat(inStore()).as("in the store alone").isEqualTo(3);
        assertThat(queue.size()).as("in memory").isEqualTo(1);
        assertThat(queue.isFull(1)).isFalse();
        assertThat(queue.isFull(10_000 - queue.bytes() + 1)).as("by bytes, spilled ones included").isTrue();
        queue.spill(5, 10);
        assertThat(queue.isFull(1)).as("by messages, spilled ones included").isTrue();
        List<OutboundDelivery> iterated = new ArrayList<>();
        queue.forEach(iterated::add);
        assertThat(iterated).as("reads see memory alone").containsExactly(inMemory);
        assertThat(queue.peekFirst()).isSameAs(inMemory);

        assertThat(queue.firstSpilledSequence()).isEqualTo(2);
        assertThat(queue.spilledPageEnd(2, 1_000_000)).as("at most two messages").isEqualTo(3);
        assertThat(queue.spilledPageEnd(10, 750)).as("at most 750 bytes").isEqualTo(3);
        assertThat(queue.spilledPageEnd(10, 100)).as("at least one, however large").isEqualTo(2);
        assertThat(queue.spilledBytesUpTo(3)).as("a page's bytes").isEqualTo(700);
        assertThat(queue.memoryBytes()).as("in memory").isEqualTo(inMemory.bytes);
        assertThat(queue.takeSpilledUpTo(3)).extracting(OutboundQueue.Spilled::sequence).containsExactly(2L, 3L);
        assertThat(queue.count()).isEqualTo(3);
        assertThat(queue.bytes()).isEqualTo(inMemory.bytes + 510);
        assertThat(queued()).isEqualTo(3);
        assertThat(inStore()).as("4 and 5 left").isEqualTo(2);
        assertThat(queue.firstSpilledSequence()).isEqualTo(4);
        assertThat(queue.memoryBytes()).as("the page taken is not in memory until queued").isEqualTo(inMemory.bytes);

        queue.clear();
        assertThat(queue.hasSpilled()).isFalse();
        assertThat(queue.firstSpilledSequence()).isZero();
        assertThat(queue.spilledPageEnd(10, 100)).isZero();
        assertThat(queue.count()).isZero();
        assertThat(queue.bytes()).isZero();
        assertThat(queue.memoryBytes()).isZero();
        assertThat(queued()).isZero();
        assertThat(inStore()).isZero();
        assertThat(memory.bytes()).isZero();
    }

    @Test
    void aStoredMessageCountsAsTheMessageItIsPreparedInto() {
        PublishedMessage stored = new PublishedMessage("a/\u00e9t\u00e9", new byte[42], 1, false, "publisher", null,
                null, Instant.now(), MessageProperties.NONE);
        assertThat(OutboundQueue.bytesOf(stored)).isEqualTo(OutboundQueue.bytesOf(RoutedMessage.of(stored)));
    }

    @Test
    void anUnusedQueueIsEmptyAndIteratesNothing() {
        OutboundQueue queue = new OutboundQueue(metrics, 10, 10_000, new QueuedMemory(0));
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.size()).isZero();
        assertThat(queue.peekFirst()).isNull();
        assertThat(queue.iterator().hasNext()).isFalse();
        queue.dropQos0();
        queue.clear();
        assertThat(queued()).isZero();
    }

    private long queued() {
        return registry.counter(BrokerMetrics.QUEUED).getCount();
    }

    private long inStore() {
        return registry.counter(BrokerMetrics.QUEUED_IN_STORE).getCount();
    }

    static OutboundDelivery delivery(String topic, int payloadBytes, int qos, long sequence) {
        return new OutboundDelivery(message(topic, payloadBytes, qos), qos, false, new int[0], sequence);
    }

    static RoutedMessage message(String topic, int payloadBytes, int qos) {
        return RoutedMessage.of(new PublishedMessage(topic, new byte[payloadBytes], qos, false, "publisher", null,
                null, Instant.now(), MessageProperties.NONE));
    }
}
