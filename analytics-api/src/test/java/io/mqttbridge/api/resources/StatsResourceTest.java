package io.mqttbridge.api.resources;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.mqttbridge.api.resources.ResourceTestSupport.READER;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static org.assertj.core.api.Assertions.assertThat;

/** The stats endpoint reads the metric names the broker, the mirror and the history writer register. */
@ExtendWith(DropwizardExtensionsSupport.class)
class StatsResourceTest {

    static final MetricRegistry metrics = new MetricRegistry();

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(new StatsResource(metrics))
            .build();

    @Test
    @SuppressWarnings("unchecked")
    void reportsRatesCountsAndLagFromTheRegistry() {
        metrics.meter("mqtt.messages.in.qos0").mark(3);
        metrics.meter("mqtt.messages.in.qos1").mark(4);
        metrics.meter("mqtt.messages.out.qos2").mark(2);
        metrics.meter("mqtt.connects").mark(5);
        metrics.counter("mqtt.connections").inc(2);
        metrics.meter("kafka.mirror.records.acked").mark(7);
        metrics.gauge("kafka.mirror.outstanding-bytes", () -> (Gauge<Long>) () -> 1234L);
        metrics.timer("kafka.mirror.send-latency").update(8, TimeUnit.MILLISECONDS);
        metrics.gauge("history-writer.lag.total", () -> (Gauge<Long>) () -> 42L);
        metrics.gauge("history-writer.paused", () -> (Gauge<Integer>) () -> 1);
        metrics.meter("history-writer.rows-written").mark(6);
        metrics.counter("mqtt.messages.queued").inc(9);
        metrics.counter("mqtt.messages.queued.in-store").inc(2);
        metrics.gauge("mqtt.messages.queued.bytes", () -> (Gauge<Long>) () -> 5_000L);
        metrics.gauge("mqtt.messages.queued.bytes.bound", () -> (Gauge<Long>) () -> 4_000L);
        metrics.meter("mqtt.messages.spilled").mark(3);
        metrics.meter("mqtt.limits.queued-heap.exceeded").mark(1);

        Map<String, Object> stats = as(resources, READER, "/api/v1/stats").get(Map.class);

        assertThat((Map<String, Object>) stats.get("messagesIn")).containsEntry("count", 7);
        assertThat((Map<String, Object>) stats.get("messagesOut")).containsEntry("count", 2);
        assertThat((Map<String, Object>) stats.get("connects")).containsEntry("count", 5);
        assertThat(stats).containsEntry("connections", 2);
        Map<String, Object> mirror = (Map<String, Object>) stats.get("kafkaMirror");
        assertThat((Map<String, Object>) mirror.get("acked")).containsEntry("count", 7);
        assertThat(mirror).containsEntry("outstandingBytes", 1234);
        assertThat((Double) mirror.get("sendLatencyP99Millis")).isEqualTo(8.0);
        Map<String, Object> writer = (Map<String, Object>) stats.get("historyWriter");
        assertThat(writer).containsEntry("lag", 42).containsEntry("paused", true);
        assertThat((Map<String, Object>) writer.get("rowsWritten")).containsEntry("count", 6);
        Map<String, Object> queued = (Map<String, Object>) stats.get("queued");
        assertThat(queued).containsEntry("messages", 9).containsEntry("inStore", 2).containsEntry("heapBytes", 5_000)
                .containsEntry("heapBoundBytes", 4_000);
        assertThat((Map<String, Object>) queued.get("spilled")).containsEntry("count", 3);
        assertThat((Map<String, Object>) queued.get("heapBoundExceeded")).containsEntry("count", 1);
    }

    @Test
    void anonymousCallersGet401() {
        try (var response = as(resources, null, "/api/v1/stats").get()) {
            assertThat(response.getStatus()).isEqualTo(401);
        }
    }
}
