package io.mqttbridge.broker.sys;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metered;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.metrics.BrokerMetrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One sample of the broker's figures as {@code $SYS/broker/...} topics and their text values, read
 * from the broker's metrics. The names and meanings follow Mosquitto's where it has the figure;
 * "messages" are PUBLISH packets (application messages), and a load figure is, as in Mosquitto, a
 * count per minute averaged over the last 1, 5 or 15 minutes.
 *
 * <p>Threading: {@link #sample()} may be called from any thread; the highest values seen are kept
 * between calls, so one instance serves one publisher.
 */
public final class BrokerStatistics {

    private static final String[] LOAD_WINDOWS = {"1min", "5min", "15min"};

    private final MetricRegistry registry;
    private final Clock clock;
    private final Instant startedAt;
    private long maximumClients;
    private long maximumHeap;

    public BrokerStatistics(MetricRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    /** The topics (full names, in a stable order) and their current values. */
    public synchronized Map<String, String> sample() {
        Map<String, String> values = new LinkedHashMap<>();
        long uptime = Duration.between(startedAt, clock.instant()).toSeconds();
        values.put(SysTopics.BROKER + "uptime", uptime + " seconds");

        long connected = count(BrokerMetrics.CONNECTIONS);
        long sessions = count(BrokerMetrics.SESSIONS);
        maximumClients = Math.max(maximumClients, connected);
        values.put(SysTopics.BROKER + "clients/connected", Long.toString(connected));
        values.put(SysTopics.BROKER + "clients/disconnected", Long.toString(Math.max(0, sessions - connected)));
        values.put(SysTopics.BROKER + "clients/total", Long.toString(Math.max(sessions, connected)));
        values.put(SysTopics.BROKER + "clients/maximum", Long.toString(maximumClients));

        long received = sumOfQos(BrokerMetrics.MESSAGES_IN);
        long sent = sumOfQos(BrokerMetrics.MESSAGES_OUT);
        values.put(SysTopics.BROKER + "messages/received", Long.toString(received));
        values.put(SysTopics.BROKER + "messages/sent", Long.toString(sent));
        values.put(SysTopics.BROKER + "publish/messages/received", Long.toString(received));
        values.put(SysTopics.BROKER + "publish/messages/sent", Long.toString(sent));
        values.put(SysTopics.BROKER + "publish/messages/dropped", Long.toString(dropped()));
        values.put(SysTopics.BROKER + "bytes/received", Long.toString(count(BrokerMetrics.BYTES_IN)));
        values.put(SysTopics.BROKER + "bytes/sent", Long.toString(count(BrokerMetrics.BYTES_OUT)));
        values.put(SysTopics.BROKER + "subscriptions/count", Long.toString(count(BrokerMetrics.SUBSCRIPTIONS)));
        values.put(SysTopics.BROKER + "retained messages/count", Long.toString(count(BrokerMetrics.RETAINED)));
        values.put(SysTopics.BROKER + "store/messages/count", Long.toString(count(BrokerMetrics.QUEUED)));

        putLoad(values, "messages/received", meters(BrokerMetrics.MESSAGES_IN));
        putLoad(values, "messages/sent", meters(BrokerMetrics.MESSAGES_OUT));
        putLoad(values, "bytes/received", new Metered[] {meter(BrokerMetrics.BYTES_IN)});
        putLoad(values, "bytes/sent", new Metered[] {meter(BrokerMetrics.BYTES_OUT)});
        putLoad(values, "connections", new Metered[] {meter(BrokerMetrics.CONNECTS)});

        Runtime runtime = Runtime.getRuntime();
        long heap = runtime.totalMemory() - runtime.freeMemory();
        maximumHeap = Math.max(maximumHeap, heap);
        values.put(SysTopics.BROKER + "heap/current", Long.toString(heap));
        values.put(SysTopics.BROKER + "heap/maximum", Long.toString(maximumHeap));
        return values;
    }

    private void putLoad(Map<String, String> values, String figure, Metered[] meters) {
        double[] perSecond = new double[LOAD_WINDOWS.length];
        for (Metered meter : meters) {
            perSecond[0] += meter.getOneMinuteRate();
            perSecond[1] += meter.getFiveMinuteRate();
            perSecond[2] += meter.getFifteenMinuteRate();
        }
        for (int i = 0; i < LOAD_WINDOWS.length; i++) {
            values.put(SysTopics.BROKER + "load/" + figure + "/" + LOAD_WINDOWS[i],
                    String.format(Locale.ROOT, "%.2f", perSecond[i] * 60));
        }
    }

    private long sumOfQos(String prefix) {
        long sum = 0;
        for (Metered meter : meters(prefix)) {
            sum += meter.getCount();
        }
        return sum;
    }

    private Metered[] meters(String qosPrefix) {
        return new Metered[] {meter(qosPrefix + 0), meter(qosPrefix + 1), meter(qosPrefix + 2)};
    }

    private long dropped() {
        long sum = 0;
        for (BrokerMetrics.DropReason reason : BrokerMetrics.DropReason.values()) {
            sum += count(reason.metricName());
        }
        return sum;
    }

    private Metered meter(String name) {
        return registry.meter(name);
    }

    /** A counter's or meter's count, or a gauge's value; 0 for a metric not registered. */
    private long count(String name) {
        Metric metric = registry.getMetrics().get(name);
        if (metric instanceof Counting counting) {
            return counting.getCount();
        }
        if (metric instanceof Gauge<?> gauge && gauge.getValue() instanceof Number number) {
            return number.longValue();
        }
        return 0;
    }
}
