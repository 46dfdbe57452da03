package io.mqttbridge.db.history.internal;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;

/**
 * The history writer's meters and counters (under one prefix), shared by its consumer loops.
 * Thread-safe (Dropwizard metrics are).
 */
public final class WriterMetrics {

    final Meter rowsWritten;
    final Meter sessionEvents;
    final Meter batches;
    final Meter failures;
    final Counter skipped;
    final Counter expired;
    final Counter sessionsClosed;
    final Counter replayedBatches;

    public WriterMetrics(MetricRegistry metrics, String prefix) {
        this.rowsWritten = metrics.meter(MetricRegistry.name(prefix, "rows-written"));
        this.sessionEvents = metrics.meter(MetricRegistry.name(prefix, "session-events"));
        this.batches = metrics.meter(MetricRegistry.name(prefix, "batches"));
        this.failures = metrics.meter(MetricRegistry.name(prefix, "failures"));
        this.skipped = metrics.counter(MetricRegistry.name(prefix, "skipped-records"));
        this.expired = metrics.counter(MetricRegistry.name(prefix, "expired-rows"));
        this.sessionsClosed = metrics.counter(MetricRegistry.name(prefix, "sessions-closed-node-lost"));
        this.replayedBatches = metrics.counter(MetricRegistry.name(prefix, "replayed-batches"));
    }

    void written(HistoryBatchWriter.Result result) {
        rowsWritten.mark(result.messages());
        sessionEvents.mark(result.sessionEvents());
        skipped.inc(result.skipped());
        expired.inc(result.expired());
        batches.mark();
        if (result.replayed()) {
            replayedBatches.inc();
        }
    }
}
