package io.mqttbridge.db.history.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the log says about the history falling behind Kafka, so that an operator finds it there and
 * not only in a metric or a health check: a warning when the lag passes {@code maxHealthyLag} (and
 * every {@code repeatEvery} while it stays past it), a warning when nothing has been stored for
 * {@code stallAfter} while records wait (a locked table, a PostgreSQL that hangs), and a line when
 * either ends. The MQTT path and the Kafka mirror never wait for the history; the lines say so.
 *
 * <p>Fed by the lag refresher after each refresh ({@link #observe}). Owned by that one thread.
 */
public final class LagAlarm {

    private static final Logger LOG = LoggerFactory.getLogger(LagAlarm.class);

    /** A line to log: a warning, or news that a warned condition ended. */
    public record Line(boolean warning, String text) {
    }

    private final long maxHealthyLag;
    private final Duration stallAfter;
    private final Duration repeatEvery;
    private final Clock clock;
    private boolean behind;
    private long behindWarnedAt;
    private long storedAtLastWarning;
    private boolean stalled;
    private long lastStoredTotal = Long.MIN_VALUE;
    private long lastProgressAt;

    public LagAlarm(long maxHealthyLag, Duration stallAfter, Duration repeatEvery, Clock clock) {
        this.maxHealthyLag = maxHealthyLag;
        this.stallAfter = stallAfter;
        this.repeatEvery = repeatEvery;
        this.clock = clock;
    }

    /**
     * Logs what the figures of one refresh call for.
     *
     * @param lag records in Kafka not yet stored, over every partition
     * @param storedTotal the sum of the stored positions: any change is progress
     */
    public void observe(long lag, long storedTotal) {
        lineFor(lag, storedTotal).ifPresent(line -> {
            if (line.warning()) {
                LOG.warn(line.text());
            } else {
                LOG.info(line.text());
            }
        });
    }

    /** The line {@link #observe} logs for these figures, if any; updates the state as it does. */
    Optional<Line> lineFor(long lag, long storedTotal) {
        long now = clock.millis();
        if (storedTotal != lastStoredTotal || lag == 0) {
            lastStoredTotal = storedTotal;
            lastProgressAt = now;
            if (stalled) {
                stalled = false;
                return Optional.of(new Line(false, "The history is storing again; %d record(s) behind Kafka"
                        .formatted(lag)));
            }
        } else if (!stalled && now - lastProgressAt >= stallAfter.toMillis()) {
            stalled = true;
            return Optional.of(new Line(true, ("The history has stored nothing for %d s while %d record(s) wait in "
                    + "Kafka: is PostgreSQL slow, locked or unavailable? MQTT and the Kafka mirror do not wait for it")
                    .formatted(stallAfter.toSeconds(), lag)));
        }
        return behindLine(lag, storedTotal, now);
    }

    private Optional<Line> behindLine(long lag, long storedTotal, long now) {
        if (lag > maxHealthyLag) {
            if (!behind || now - behindWarnedAt >= repeatEvery.toMillis()) {
                String since = behind
                        ? "; %d stored since the last warning".formatted(storedTotal - storedAtLastWarning) : "";
                behind = true;
                behindWarnedAt = now;
                storedAtLastWarning = storedTotal;
                return Optional.of(new Line(true, ("The history is %d record(s) behind Kafka, past "
                        + "historyWriter.maxHealthyLag (%d): dashboards show stale data; MQTT and the Kafka mirror do "
                        + "not wait for it%s").formatted(lag, maxHealthyLag, since)));
            }
        } else if (behind) {
            behind = false;
            return Optional.of(new Line(false, "The history is back within historyWriter.maxHealthyLag (%d): %d "
                    .formatted(maxHealthyLag, lag) + "record(s) behind Kafka"));
        }
        return Optional.empty();
    }
}
