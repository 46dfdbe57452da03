package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.testing.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LagAlarmTest {

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-08T00:00:00Z"));
    private final LagAlarm alarm = new LagAlarm(100, Duration.ofSeconds(30), Duration.ofMinutes(1), clock);

    @Test
    void aLagPastTheLimitWarnsOnceAMinuteAndSaysWhenItEnds() {
        assertThat(alarm.lineFor(50, 1_000)).isEmpty();
        clock.advance(Duration.ofSeconds(1));

        Optional<LagAlarm.Line> first = alarm.lineFor(500, 1_100);
        assertThat(first).hasValueSatisfying(line -> {
            assertThat(line.warning()).isTrue();
            assertThat(line.text()).contains("500 record(s) behind", "historyWriter.maxHealthyLag (100)");
        });
        clock.advance(Duration.ofSeconds(30));
        assertThat(alarm.lineFor(700, 1_400)).as("within the minute").isEmpty();
        clock.advance(Duration.ofSeconds(30));
        assertThat(alarm.lineFor(800, 1_900)).hasValueSatisfying(line -> {
            assertThat(line.warning()).isTrue();
            assertThat(line.text()).contains("800 record(s) behind", "800 stored since the last warning");
        });
        clock.advance(Duration.ofSeconds(1));
        assertThat(alarm.lineFor(40, 2_700)).hasValueSatisfying(line -> {
            assertThat(line.warning()).isFalse();
            assertThat(line.text()).contains("back within", "40 record(s)");
        });
        clock.advance(Duration.ofMinutes(5));
        assertThat(alarm.lineFor(40, 2_800)).isEmpty();
    }

    @Test
    void nothingStoredWhileRecordsWaitWarnsOnceAfterTheStallTimeAndSaysWhenStoringResumes() {
        assertThat(alarm.lineFor(10, 1_000)).isEmpty();
        clock.advance(Duration.ofSeconds(29));
        assertThat(alarm.lineFor(20, 1_000)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(alarm.lineFor(30, 1_000)).hasValueSatisfying(line -> {
            assertThat(line.warning()).isTrue();
            assertThat(line.text()).contains("stored nothing for 30 s while 30 record(s) wait");
        });
        clock.advance(Duration.ofSeconds(30));
        assertThat(alarm.lineFor(40, 1_000)).as("one warning per stall").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(alarm.lineFor(5, 1_035)).hasValueSatisfying(line -> {
            assertThat(line.warning()).isFalse();
            assertThat(line.text()).contains("storing again");
        });
    }

    @Test
    void anIdleHistoryWithNothingWaitingIsNoStall() {
        assertThat(alarm.lineFor(0, 1_000)).isEmpty();
        clock.advance(Duration.ofMinutes(10));
        assertThat(alarm.lineFor(0, 1_000)).isEmpty();
        clock.advance(Duration.ofMinutes(10));
        assertThat(alarm.lineFor(0, 1_000)).isEmpty();
    }
}
