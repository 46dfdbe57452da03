package io.mqttbridge.api.health;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import io.mqttbridge.db.history.HistoryWriter;

/**
 * The history writer is writing (not paused by a PostgreSQL outage) and not too far behind Kafka.
 *
 * <p>Past {@code historyWriter.maxHealthyLag} records behind, the check reports the history as
 * degraded (unhealthy, with {@code degraded=true} and the lag in its details): dashboards show stale
 * data, while MQTT and the Kafka mirror are unaffected (the writer only reads from Kafka). Reads only
 * the writer's state and its {@code lag.total} gauge; cheap and thread-safe.
 */
public class HistoryWriterHealthCheck extends HealthCheck {

    private final HistoryWriter writer;
    private final MetricRegistry metrics;
    private final long maxLag;

    /** @param maxLag records behind beyond which the history is degraded ({@code historyWriter.maxHealthyLag}) */
    public HistoryWriterHealthCheck(HistoryWriter writer, MetricRegistry metrics, long maxLag) {
        this.writer = writer;
        this.metrics = metrics;
        this.maxLag = maxLag;
    }

    @Override
    protected Result check() {
        long lag = totalLag();
        if (!writer.isRunning()) {
            return Result.unhealthy("stopped: its consumer loop ended (see the log)");
        }
        if (writer.isPaused()) {
            return Result.unhealthy("paused: PostgreSQL is unavailable; %d record(s) behind", lag);
        }
        if (lag > maxLag) {
            return Result.builder().unhealthy()
                    .withMessage("degraded: %d record(s) behind Kafka (limit %d, historyWriter.maxHealthyLag)", lag, maxLag)
                    .withDetail("degraded", true)
                    .withDetail("lag", lag)
                    .build();
        }
        return Result.builder().healthy().withMessage("%d record(s) behind Kafka", lag).withDetail("lag", lag).build();
    }

    private long totalLag() {
        Gauge<?> gauge = metrics.getGauges().get(HistoryWriter.METRIC_PREFIX + ".lag.total");
        return gauge == null ? 0 : ((Number) gauge.getValue()).longValue();
    }
}
