package io.mqttbridge.kafka.mirror.internal;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.concurrent.TimeUnit;

/** The mirror's Dropwizard metrics, all under {@code kafka.mirror.}. */
public final class MirrorMetrics {

    public static final String PREFIX = "kafka.mirror";
    /** Messages refused because their rule reached its {@code maxTopics}. */
    public static final String TOPIC_LIMIT_REJECTED = PREFIX + ".records.rejected-topic-limit";

    private final Meter notMirrored;
    private final Meter sent;
    private final Meter acked;
    private final Meter failed;
    private final Meter rejectedOverLimit;
    private final Meter rejectedTopicLimit;
    private final Timer sendLatency;

    public MirrorMetrics(MetricRegistry registry, OutstandingBytes outstanding) {
        notMirrored = registry.meter(PREFIX + ".records.not-mirrored");
        sent = registry.meter(PREFIX + ".records.sent");
        acked = registry.meter(PREFIX + ".records.acked");
        failed = registry.meter(PREFIX + ".records.failed");
        rejectedOverLimit = registry.meter(PREFIX + ".records.rejected-over-limit");
        rejectedTopicLimit = registry.meter(TOPIC_LIMIT_REJECTED);
        // The default reservoir takes a lock per update; at hundreds of thousands of acks a second that shows.
        sendLatency = registry.timer(PREFIX + ".send-latency",
                () -> new Timer(LockFreeExponentiallyDecayingReservoir.builder().build()));
        registry.gauge(PREFIX + ".outstanding-bytes", () -> (Gauge<Long>) outstanding::current);
        registry.gauge(PREFIX + ".accepting", () -> (Gauge<Boolean>) outstanding::isAccepting);
    }

    public void notMirrored() {
        notMirrored.mark();
    }

    public void sent() {
        sent.mark();
    }

    /** @param startNanos when the message was accepted */
    public void acked(long startNanos) {
        acked.mark();
        sendLatency.update(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    public void failed() {
        failed.mark();
    }

    /** Rejected at once: the rule may not write to another topic. Counted as failed too. */
    public void rejectedTopicLimit() {
        rejectedTopicLimit.mark();
        failed.mark();
    }

    /** Rejected at once: too many bytes outstanding. Counted as failed too. */
    public void rejectedOverLimit() {
        rejectedOverLimit.mark();
        failed.mark();
    }
}
