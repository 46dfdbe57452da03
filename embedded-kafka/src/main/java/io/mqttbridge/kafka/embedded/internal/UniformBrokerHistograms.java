package io.mqttbridge.kafka.embedded.internal;

import com.yammer.metrics.core.Histogram;
import com.yammer.metrics.core.Metric;
import com.yammer.metrics.core.MetricName;
import com.yammer.metrics.core.MetricsRegistry;
import com.yammer.metrics.core.MetricsRegistryListener;
import com.yammer.metrics.core.Timer;
import com.yammer.metrics.stats.Sample;
import com.yammer.metrics.stats.UniformSample;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.server.metrics.KafkaYammerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the embedded broker's Yammer histograms and timers a uniform reservoir instead of the
 * exponentially decaying one Kafka asks for.
 *
 * <p>Why: the broker updates about ten request histograms per request it serves. An exponentially
 * decaying reservoir is a skip list keyed by boxed priorities; an update may insert a node and
 * remove another, and the nodes lived 2-30 s, long enough to be copied by up to fifteen young
 * collections before they died. In a bridge that embeds its Kafka they were the largest group of
 * objects every young pause copied (docs/BENCHMARKS.md, "The embedded Kafka's request
 * histograms"). A uniform reservoir is a fixed array: an update allocates nothing. What changes for
 * a reader of the broker's JMX metrics: percentiles describe the whole life of the broker rather
 * than mostly its last minutes (counts, rates, minimum, maximum and mean are unchanged).
 *
 * <p>Yammer metrics 2.2 offers no way to choose the reservoir of a histogram it creates, so the
 * reservoir is replaced on registration, before the metric is handed to Kafka and updated. With a
 * Yammer version without the expected fields {@link #install} logs a warning and changes nothing.
 */
public final class UniformBrokerHistograms implements MetricsRegistryListener {

    private static final Logger LOG = LoggerFactory.getLogger(UniformBrokerHistograms.class);
    /** Yammer's own default size for both kinds of reservoir. */
    static final int RESERVOIR_SIZE = 1028;
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private final Field histogramSample;
    private final Field timerHistogram;

    private UniformBrokerHistograms(Field histogramSample, Field timerHistogram) {
        this.histogramSample = histogramSample;
        this.timerHistogram = timerHistogram;
    }

    /**
     * Installs the listener on Kafka's Yammer registry (one per JVM; later calls do nothing). Metrics
     * already registered are converted at once.
     */
    public static void install() {
        install(KafkaYammerMetrics.defaultRegistry());
    }

    static void install(MetricsRegistry registry) {
        if (registry == KafkaYammerMetrics.defaultRegistry() && !INSTALLED.compareAndSet(false, true)) {
            return;
        }
        UniformBrokerHistograms listener;
        try {
            listener = new UniformBrokerHistograms(
                    accessible(Histogram.class, "sample"), accessible(Timer.class, "histogram"));
        } catch (IllegalStateException e) {
            // Only costs the collector's time; EmbeddedKafkaTest fails on such a version.
            LOG.warn("The embedded Kafka keeps its decaying metric reservoirs: {}", e.getMessage());
            return;
        }
        registry.addListener(listener);
    }

    @Override
    public void onMetricAdded(MetricName name, Metric metric) {
        try {
            if (metric instanceof Histogram histogram) {
                makeUniform(histogram);
            } else if (metric instanceof Timer timer) {
                makeUniform((Histogram) timerHistogram.get(timer));
            }
        } catch (IllegalAccessException e) {
            // Cannot happen once the fields are accessible; the metric keeps Kafka's reservoir.
            LOG.warn("Kept the decaying reservoir of Kafka metric {}: {}", name, e.toString());
        }
    }

    @Override
    public void onMetricRemoved(MetricName name) {
    }

    private void makeUniform(Histogram histogram) throws IllegalAccessException {
        if (!(histogramSample.get(histogram) instanceof UniformSample)) {
            histogramSample.set(histogram, new UniformSample(RESERVOIR_SIZE));
        }
    }

    /** The reservoir a histogram samples into (for tests). */
    static Sample sampleOf(Histogram histogram) {
        try {
            return (Sample) accessible(Histogram.class, "sample").get(histogram);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field accessible(Class<?> type, String name) {
        try {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        } catch (NoSuchFieldException | RuntimeException e) {
            throw new IllegalStateException("Yammer metrics' " + type.getSimpleName() + " has no accessible field '"
                    + name + "' (a Yammer version other than 2.2?): " + e, e);
        }
    }
}
