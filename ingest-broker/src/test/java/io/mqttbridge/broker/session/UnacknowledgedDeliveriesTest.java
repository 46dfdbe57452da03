package io.mqttbridge.broker.session;

import static io.mqttbridge.broker.session.OutboundQueueTest.delivery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.netty.RoutedMessage;
import org.junit.jupiter.api.Test;

/** {@link UnacknowledgedDeliveries}: order, and the heap accounting on every way in and out. */
class UnacknowledgedDeliveriesTest {

    private final QueuedMemory memory = new QueuedMemory(1);
    private final UnacknowledgedDeliveries unacknowledged = new UnacknowledgedDeliveries(memory);

    private static OutboundDelivery sent(String topic, int payloadBytes, int packetId) {
        OutboundDelivery delivery = delivery(topic, payloadBytes, 1, packetId);
        delivery.packetId = packetId;
        return delivery;
    }

    private static long held(OutboundDelivery... deliveries) {
        long bytes = 0;
        for (OutboundDelivery delivery : deliveries) {
            bytes += delivery.message.heapBytes() + QueuedMemory.ENTRY_BYTES;
        }
        return bytes;
    }

    @Test
    void aDeliveryCountsAgainstTheHeapFromItsSendingToItsAcknowledgement() {
        OutboundDelivery first = sent("t/1", 1_000, 1);
        OutboundDelivery second = sent("t/2", 2_000, 2);

        unacknowledged.add(first);
        unacknowledged.add(second);
        assertThat(memory.bytes()).isEqualTo(held(first, second));
        memory.refresh();
        assertThat(memory.isFull()).isTrue();
        assertThat(unacknowledged.get(2)).isSameAs(second);
        assertThat(unacknowledged.contains(1)).isTrue();

        unacknowledged.remove(first);
        assertThat(memory.bytes()).isEqualTo(held(second));
        unacknowledged.remove(first);
        assertThat(memory.bytes()).as("a second removal changes nothing").isEqualTo(held(second));
        unacknowledged.remove(second);
        assertThat(memory.bytes()).isZero();
        assertThat(unacknowledged.size()).isZero();
    }

    @Test
    void takenAndClearedDeliveriesAreReleasedAndTheRestKeepTheirOrder() {
        OutboundDelivery a = sent("t/a", 10, 5);
        OutboundDelivery b = sent("t/b", 20, 3);
        OutboundDelivery c = sent("t/c", 30, 9);
        unacknowledged.add(a);
        unacknowledged.add(b);
        unacknowledged.add(c);
        assertThat(unacknowledged.inOrder()).as("the order they were sent in").containsExactly(a, b, c);

        assertThat(unacknowledged.takeIf(d -> d != b)).containsExactly(a, c);
        assertThat(memory.bytes()).isEqualTo(held(b));
        assertThat(unacknowledged.inOrder()).containsExactly(b);
        assertThatThrownBy(() -> unacknowledged.inOrder().clear()).isInstanceOf(UnsupportedOperationException.class);

        unacknowledged.clear();
        assertThat(memory.bytes()).isZero();
        assertThat(unacknowledged.inOrder()).isEmpty();
    }

    @Test
    void aMessageAlsoQueuedElsewhereIsCountedOnce() {
        MetricRegistry registry = new MetricRegistry();
        OutboundQueue otherSession = new OutboundQueue(new BrokerMetrics(registry, () -> 0, () -> 0), 10, 1_000_000, memory);
        RoutedMessage shared = OutboundQueueTest.message("t/shared", 5_000, 1);
        OutboundDelivery here = new OutboundDelivery(shared, 1, false, new int[0], 1);
        here.packetId = 1;

        otherSession.addLast(new OutboundDelivery(shared, 1, false, new int[0], 1));
        unacknowledged.add(here);
        assertThat(memory.bytes()).isEqualTo(shared.heapBytes() + 2L * QueuedMemory.ENTRY_BYTES);

        otherSession.clear();
        assertThat(memory.bytes()).as("still held here").isEqualTo(shared.heapBytes() + QueuedMemory.ENTRY_BYTES);
        unacknowledged.remove(here);
        assertThat(memory.bytes()).isZero();
    }

    @Test
    void aMessageSentFromTheQueueKeepsItsHoldUntilItsAcknowledgementAndOneNotWaitingGivesItBack() {
        OutboundQueue queue = new OutboundQueue(new BrokerMetrics(new MetricRegistry(), () -> 0, () -> 0), 10, 1_000_000,
                memory);
        OutboundDelivery qos1 = delivery("t/1", 3_000, 1, 1);
        OutboundDelivery qos0 = delivery("t/0", 1_000, 0, 2);
        queue.addLast(qos1);
        queue.addLast(qos0);
        long both = held(qos1, qos0);
        assertThat(memory.bytes()).isEqualTo(both);

        assertThat(queue.pollFirstHeld()).isSameAs(qos1);
        assertThat(memory.bytes()).as("taken out of the queue, still held").isEqualTo(both);
        qos1.packetId = 1;
        unacknowledged.addHeld(qos1);
        assertThat(memory.bytes()).as("the hold passed on, not counted twice").isEqualTo(both);

        assertThat(queue.pollFirstHeld()).isSameAs(qos0);
        queue.releaseHeld(qos0);
        assertThat(memory.bytes()).as("a QoS 0 message waits for nothing once sent").isEqualTo(held(qos1));
        assertThat(queue.count()).isZero();

        unacknowledged.remove(qos1);
        assertThat(memory.bytes()).isZero();
    }

    @Test
    void unusedTheyHoldNothingAndRemovingOrClearingChangesNothing() {
        OutboundDelivery never = sent("t/never", 10, 4);

        unacknowledged.remove(never);
        unacknowledged.clear();

        assertThat(unacknowledged.size()).isZero();
        assertThat(unacknowledged.get(4)).isNull();
        assertThat(unacknowledged.takeIf(d -> true)).isEmpty();
        assertThat(memory.bytes()).isZero();
    }

    @Test
    void aRestoredDeliveryWithThePacketIdOfAnotherReplacesItAndReleasesIt() {
        OutboundDelivery old = sent("t/old", 100, 7);
        OutboundDelivery restored = sent("t/new", 200, 7);

        unacknowledged.add(old);
        unacknowledged.add(restored);

        assertThat(unacknowledged.get(7)).isSameAs(restored);
        assertThat(memory.bytes()).isEqualTo(held(restored));
    }
}
