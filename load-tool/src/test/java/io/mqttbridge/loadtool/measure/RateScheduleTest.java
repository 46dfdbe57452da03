package io.mqttbridge.loadtool.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RateScheduleTest {

    @Test
    void messagesAreDueAtEvenIntervalsFromTheStart() {
        RateSchedule schedule = new RateSchedule(1_000, 1_000);

        assertThat(schedule.scheduledNanos(0)).isEqualTo(1_000);
        assertThat(schedule.scheduledNanos(1)).isEqualTo(1_001_000);
        assertThat(schedule.scheduledNanos(1_000)).isEqualTo(1_000_001_000L);
    }

    @Test
    void nothingIsDueBeforeTheStartAndTheFirstMessageIsDueAtIt() {
        RateSchedule schedule = new RateSchedule(1_000, 1_000);

        assertThat(schedule.dueCount(999)).isZero();
        assertThat(schedule.dueCount(1_000)).isEqualTo(1);
        assertThat(schedule.dueCount(1_000_999)).isEqualTo(1);
        assertThat(schedule.dueCount(1_001_000)).isEqualTo(2);
    }

    @Test
    void dueCountAgreesWithScheduledTimesForAwkwardRates() {
        Random random = new Random(42);
        for (double rate : new double[] {3, 7.5, 20_000, 33_333.3, 1_000_000}) {
            RateSchedule schedule = new RateSchedule(123_456_789L, rate);
            for (int i = 0; i < 2_000; i++) {
                long now = 123_456_789L + (long) (random.nextDouble() * 2e9);
                long due = schedule.dueCount(now);
                assertThat(schedule.scheduledNanos(due - 1)).as("rate %s, now %d", rate, now).isLessThanOrEqualTo(now);
                assertThat(schedule.scheduledNanos(due)).as("rate %s, now %d", rate, now).isGreaterThan(now);
            }
        }
    }

    @Test
    void aLateSenderOwesEveryMessageDueSoFar() {
        RateSchedule schedule = new RateSchedule(0, 20_000);

        assertThat(schedule.dueCount(1_000_000_000L)).as("one second late: all 20k are due, plus message 20000 at t=1s")
                .isEqualTo(20_001);
    }

    @Test
    void rateMustBePositive() {
        assertThatThrownBy(() -> new RateSchedule(0, 0)).hasMessageContaining("rate");
        assertThatThrownBy(() -> new RateSchedule(0, Double.NaN)).hasMessageContaining("rate");
    }
}
