package io.mqttbridge.loadtool.measure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

    @Test
    void completeInOrderStreamHasNoLossDuplicatesOrReordering() {
        SequenceTracker tracker = new SequenceTracker(2);
        for (long seq = 0; seq < 1_000; seq++) {
            assertThat(tracker.record(0, seq)).isEqualTo(SequenceTracker.Outcome.NEW);
            tracker.record(1, seq);
        }

        assertThat(tracker.missing(0, 1_000)).isZero();
        assertThat(tracker.missing(1, 1_000)).isZero();
        assertThat(tracker.duplicates()).isZero();
        assertThat(tracker.outOfOrder()).isZero();
        assertThat(tracker.next(0)).isEqualTo(1_000);
        assertThat(tracker.distinct(1)).isEqualTo(1_000);
    }

    @Test
    void gapsAreCountedAsLossAgainstWhatWasSent() {
        SequenceTracker tracker = new SequenceTracker(1);
        tracker.record(0, 0);
        tracker.record(0, 2);
        tracker.record(0, 5);

        assertThat(tracker.missing(0, 6)).isEqualTo(3);
        assertThat(tracker.firstMissing(0, 6)).isEqualTo(1);
        assertThat(tracker.firstMissing(0, 1)).as("nothing missing among what was sent").isEqualTo(-1);
        assertThat(tracker.missing(0, 10)).as("the unsent tail counts when it was sent").isEqualTo(7);
        assertThat(tracker.next(0)).isEqualTo(6);
    }

    @Test
    void repeatedSequenceIsADuplicateAndDoesNotHideLoss() {
        SequenceTracker tracker = new SequenceTracker(1);
        tracker.record(0, 0);
        assertThat(tracker.record(0, 0)).isEqualTo(SequenceTracker.Outcome.DUPLICATE);
        tracker.record(0, 0);

        assertThat(tracker.duplicates()).isEqualTo(2);
        assertThat(tracker.missing(0, 2)).isEqualTo(1);
        assertThat(tracker.distinct(0)).isEqualTo(1);
    }

    @Test
    void lateArrivalIsOutOfOrderButNotLost() {
        SequenceTracker tracker = new SequenceTracker(1);
        tracker.record(0, 1);
        tracker.record(0, 0);

        assertThat(tracker.outOfOrder()).isEqualTo(1);
        assertThat(tracker.missing(0, 2)).isZero();
        assertThat(tracker.duplicates()).isZero();
    }

    @Test
    void streamsOfDifferentPublishersAreIndependent() {
        SequenceTracker tracker = new SequenceTracker(2);
        tracker.record(0, 0);
        tracker.record(1, 0);

        assertThat(tracker.duplicates()).isZero();
        assertThat(tracker.missing(0, 1)).isZero();
        assertThat(tracker.missing(1, 1)).isZero();
    }

    @Test
    void unknownPublisherIsCountedAndIgnored() {
        SequenceTracker tracker = new SequenceTracker(1);

        tracker.record(7, 0);
        tracker.record(-1, -1);

        assertThat(tracker.unknown()).isEqualTo(2);
        assertThat(tracker.distinct(0)).isZero();
    }
}
