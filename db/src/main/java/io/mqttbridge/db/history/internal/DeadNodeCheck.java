package io.mqttbridge.db.history.internal;

import java.time.Clock;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a consumer loop runs the {@link DeadNodeReaper}: only while it owns the session-events
 * partitions and has read them to the end (a writer that is behind has not seen the latest
 * heartbeats), at start and then every interval. Owned by one loop's thread.
 */
final class DeadNodeCheck {

    private static final Logger LOG = LoggerFactory.getLogger(DeadNodeCheck.class);

    private final DeadNodeReaper reaper;
    private final String sessionEventsTopic;
    private final long intervalMillis;
    private final Clock clock;
    private final WriterMetrics metrics;
    private long lastRunMillis = Long.MIN_VALUE;

    DeadNodeCheck(DeadNodeReaper reaper, String sessionEventsTopic, long intervalMillis, Clock clock,
            WriterMetrics metrics) {
        this.reaper = reaper;
        this.sessionEventsTopic = sessionEventsTopic;
        this.intervalMillis = intervalMillis;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Runs the reaper if it is due and {@code consumer} has read every session-events partition it owns. */
    void maybeRun(Consumer<byte[], byte[]> consumer) {
        long now = clock.millis();
        if (lastRunMillis != Long.MIN_VALUE && now - lastRunMillis < intervalMillis) {
            return;
        }
        boolean holdsSessionEvents = false;
        for (TopicPartition tp : consumer.assignment()) {
            if (tp.topic().equals(sessionEventsTopic)) {
                holdsSessionEvents = true;
                OptionalLong current = consumer.currentLag(tp);
                if (current.isEmpty() || current.getAsLong() > 0) {
                    return;
                }
            }
        }
        if (!holdsSessionEvents) {
            return;
        }
        try {
            metrics.sessionsClosed.inc(reaper.closeSessionsOfDeadNodes());
            lastRunMillis = now;
        } catch (RuntimeException e) {
            LOG.warn("Closing sessions of dead broker nodes failed; will retry: {}", e.toString());
        }
    }
}
