package io.mqttbridge.api.health;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import io.mqttbridge.db.history.HistoryWriter;

/**
 * The history writer is writing (not paused by a PostgreSQL outage) and not too far behind Kafka.
 */
public class HistoryWriterHealthCheck extends HealthCheck {

    public static final long DEFAULT_MAX_LAG = 100_000;

    private final HistoryWriter writer;
    private final MetricRegistry metrics;
    private final long maxLag;

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
        return lag > maxLag
                ? Result.unhealthy("%d record(s) behind Kafka (limit %d)", lag, maxLag)
                : Result.healthy("%d record(s) behind Kafka", lag);
    }

    private long totalLag() {
        Gauge<?> gauge = metrics.getGauges().get(HistoryWriter.METRIC_PREFIX + ".lag.total");
        return gauge == null ? 0 : ((Number) gauge.getValue()).longValue();
    }
}
