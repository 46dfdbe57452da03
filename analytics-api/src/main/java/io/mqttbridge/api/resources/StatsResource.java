package io.mqttbridge.api.resources;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.codahale.metrics.annotation.Timed;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.resources.model.Stats;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.concurrent.TimeUnit;

/**
 * {@code /api/v1/stats}: message and connection rates, Kafka mirror figures and history-writer lag
 * of this process, read from its metric registry. The metric names are those the broker, the
 * mirror and the writer register; the full set is on the admin port ({@code /metrics},
 * {@code /prometheus}).
 */
@Path("/api/v1/stats")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "stats", description = "Rates and lag of this node")
@SecurityRequirement(name = "bearer")
@SecurityRequirement(name = "basic")
@Timed
public class StatsResource {

    static final String MESSAGES_IN = "mqtt.messages.in.qos";
    static final String MESSAGES_OUT = "mqtt.messages.out.qos";

    private final MetricRegistry metrics;

    public StatsResource(MetricRegistry metrics) {
        this.metrics = metrics;
    }

    @GET
    @RolesAllowed(ApiRole.READ)
    @Operation(summary = "Message and connection rates, Kafka mirror figures, history-writer lag and the messages "
            + "queued for clients of this node")
    public Stats stats() {
        return new Stats(
                perQos(MESSAGES_IN),
                perQos(MESSAGES_OUT),
                rate("mqtt.connects"),
                rate("mqtt.connects.refused"),
                counter("mqtt.connections"),
                new Stats.KafkaMirror(rate("kafka.mirror.records.sent"), rate("kafka.mirror.records.acked"),
                        rate("kafka.mirror.records.failed"), gaugeLong("kafka.mirror.outstanding-bytes"),
                        p99Millis("kafka.mirror.send-latency"), backPressure()),
                new Stats.HistoryWriter(gaugeLong("history-writer.lag.total"), rate("history-writer.rows-written"),
                        rate("history-writer.session-events"), rate("history-writer.failures"),
                        gaugeLong("history-writer.paused") != 0),
                new Stats.Queued(counter("mqtt.messages.queued"), counter("mqtt.messages.queued.in-store"),
                        gaugeLong("mqtt.messages.queued.bytes"),
                        gaugeLong("mqtt.messages.queued.bytes.bound"), rate("mqtt.messages.spilled"),
                        rate("mqtt.limits.queued-heap.exceeded")));
    }

    private Stats.Rate perQos(String prefix) {
        Stats.Rate sum = Stats.Rate.ZERO;
        for (int qos = 0; qos <= 2; qos++) {
            sum = sum.plus(rate(prefix + qos));
        }
        return sum;
    }

    private Stats.Rate rate(String name) {
        Meter meter = metrics.getMeters().get(name);
        return meter == null ? Stats.Rate.ZERO
                : new Stats.Rate(meter.getCount(), meter.getOneMinuteRate(), meter.getFiveMinuteRate(),
                meter.getFifteenMinuteRate());
    }

    private long counter(String name) {
        Counter counter = metrics.getCounters().get(name);
        return counter == null ? 0 : counter.getCount();
    }

    @SuppressWarnings("rawtypes")
    private long gaugeLong(String name) {
        Gauge gauge = metrics.getGauges().get(name);
        Object value = gauge == null ? null : gauge.getValue();
        if (value instanceof Number number) {
            return number.longValue();
        }
        if (value instanceof Boolean bool) {
            return bool ? 1 : 0;
        }
        return 0;
    }

    /** The mirror's {@code accepting} gauge is false while back-pressure is on; absent means no mirror here. */
    @SuppressWarnings("rawtypes")
    private boolean backPressure() {
        Gauge gauge = metrics.getGauges().get("kafka.mirror.accepting");
        return gauge != null && Boolean.FALSE.equals(gauge.getValue());
    }

    private double p99Millis(String name) {
        Timer timer = metrics.getTimers().get(name);
        return timer == null ? 0 : timer.getSnapshot().get99thPercentile() / TimeUnit.MILLISECONDS.toNanos(1);
    }
}
