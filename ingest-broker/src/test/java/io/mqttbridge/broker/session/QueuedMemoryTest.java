package io.mqttbridge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The room that pages read back from the session store share: a quarter of the bound past it. */
class QueuedMemoryTest {

    @Test
    void pagesReadBackShareAQuarterOfTheBoundPastItUntilTheyAreQueued() {
        QueuedMemory memory = new QueuedMemory(4_000);

        assertThat(memory.reserveReadBack(3_000, false)).isTrue();
        assertThat(memory.reserveReadBack(2_001, false)).as("3,000 + 2,001 > 4,000 + 1,000").isFalse();
        assertThat(memory.reserveReadBack(2_000, true)).as("a session that holds nothing reads anyway").isTrue();
        memory.readBackDone(2_000);
        assertThat(memory.reserveReadBack(2_000, false)).isTrue();
        memory.readBackDone(2_000);
        memory.readBackDone(3_000);
        assertThat(memory.reserveReadBack(5_000, false)).as("all of the room once the pages are queued").isTrue();
    }

    @Test
    void whatSessionsHoldTakesFromTheRoom() {
        QueuedMemory memory = new QueuedMemory(4_000);
        OutboundDelivery held = new OutboundDelivery(OutboundQueueTest.message("t", 3_000, 1), 1, false, new int[0], 1);
        memory.held(held);

        assertThat(memory.reserveReadBack(2_000, false)).as("about 3,000 held leave 2,000 at most").isFalse();
        memory.released(held);
        assertThat(memory.reserveReadBack(2_000, false)).isTrue();
    }

    @Test
    void withoutABoundEveryPageIsRead() {
        QueuedMemory unbounded = new QueuedMemory(0);

        assertThat(unbounded.reserveReadBack(Long.MAX_VALUE / 2, false)).isTrue();
        assertThat(unbounded.reserveReadBack(Long.MAX_VALUE / 2, false)).isTrue();
        assertThat(unbounded.room()).isEqualTo(Long.MAX_VALUE);
    }
}
