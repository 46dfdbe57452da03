package io.mqttbridge.kafka.cluster;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

/** The gauges of a node's cluster fabric ({@code cluster.*}), read from its public counters when polled. */
final class ClusterMetrics {

    private ClusterMetrics() {
    }

    static void register(MetricRegistry metrics, KafkaClusterFabric fabric) {
        metrics.register(MetricRegistry.name("cluster", "recovered-messages"), (Gauge<Long>) fabric::recoveredMessages);
        metrics.register(MetricRegistry.name("cluster", "dead-inboxes-opened"),
                (Gauge<Long>) fabric::deadInboxesOpened);
        metrics.register(MetricRegistry.name("cluster", "forwarded-records"), (Gauge<Long>) fabric::forwardedRecords);
        metrics.register(MetricRegistry.name("cluster", "forwarded-bytes"), (Gauge<Long>) fabric::forwardedBytes);
        metrics.register(MetricRegistry.name("cluster", "reforwarded-records"),
                (Gauge<Long>) fabric::reforwardedRecords);
        metrics.register(MetricRegistry.name("cluster", "inbox-records"), (Gauge<Long>) fabric::inboxRecords);
        metrics.register(MetricRegistry.name("cluster", "live-nodes"),
                (Gauge<Integer>) () -> fabric.liveNodes().size());
        metrics.register(MetricRegistry.name("cluster", "isolated"), (Gauge<Boolean>) fabric::isIsolated);
    }
}
