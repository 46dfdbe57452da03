package io.mqttbridge.kafka.embedded.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import com.yammer.metrics.core.Histogram;
import com.yammer.metrics.core.MetricName;
import com.yammer.metrics.core.MetricsRegistry;
import com.yammer.metrics.core.Timer;
import com.yammer.metrics.stats.ExponentiallyDecayingSample;
import com.yammer.metrics.stats.Sample;
import com.yammer.metrics.stats.UniformSample;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UniformBrokerHistogramsTest {

    private final MetricsRegistry registry = new MetricsRegistry();

    @AfterEach
    void shutdown() {
        registry.shutdown();
    }

    @Test
    void aBiasedHistogramRegisteredAfterInstallingSamplesUniformly() {
        UniformBrokerHistograms.install(registry);

        Histogram histogram = registry.newHistogram(name("RequestQueueTimeMs"), true);

        assertThat(UniformBrokerHistograms.sampleOf(histogram)).isInstanceOf(UniformSample.class);
        for (int i = 1; i <= 10_000; i++) {
            histogram.update(i % 100);
        }
        assertThat(histogram.count()).isEqualTo(10_000);
        assertThat(histogram.getSnapshot().size()).isEqualTo(UniformBrokerHistograms.RESERVOIR_SIZE);
        assertThat(histogram.getSnapshot().getMedian()).isBetween(40.0, 60.0);
        assertThat(histogram.max()).isEqualTo(99);
    }

    @Test
    void histogramsAlreadyRegisteredAreConvertedWhenInstalling() {
        Histogram before = registry.newHistogram(name("TotalTimeMs"), true);
        assertThat(UniformBrokerHistograms.sampleOf(before)).isInstanceOf(ExponentiallyDecayingSample.class);

        UniformBrokerHistograms.install(registry);

        assertThat(UniformBrokerHistograms.sampleOf(before)).isInstanceOf(UniformSample.class);
    }

    @Test
    void aTimersHistogramSamplesUniformly() throws ReflectiveOperationException {
        UniformBrokerHistograms.install(registry);

        Timer timer = registry.newTimer(name("LogFlushRateAndTimeMs"), TimeUnit.MILLISECONDS, TimeUnit.SECONDS);
        timer.update(5, TimeUnit.MILLISECONDS);

        assertThat(UniformBrokerHistograms.sampleOf(histogramOf(timer))).isInstanceOf(UniformSample.class);
        assertThat(timer.count()).isEqualTo(1);
        assertThat(timer.max()).isEqualTo(5.0);
    }

    @Test
    void theReservoirAllocatesNothingPerUpdateOnceUniform() {
        Histogram decaying = registry.newHistogram(name("Decaying"), true);
        long decayingBytes = bytesAllocatedBy(UniformBrokerHistograms.sampleOf(decaying));
        UniformBrokerHistograms.install(registry);
        Histogram uniform = registry.newHistogram(name("Uniform"), true);
        long uniformBytes = bytesAllocatedBy(UniformBrokerHistograms.sampleOf(uniform));

        // 100,000 updates within milliseconds: the decaying reservoir still inserts a skip-list node
        // and a boxed priority for many of them (in a running broker, whose priorities grow with time,
        // for most). The histogram around either allocates 32 bytes per update for its variance,
        // garbage at once; that is not the reservoir's.
        assertThat(decayingBytes).isGreaterThan(100_000);
        assertThat(uniformBytes).isLessThan(10_000);
    }

    private static long bytesAllocatedBy(Sample sample) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            sample.update(i & 63);
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    private static Histogram histogramOf(Timer timer) throws ReflectiveOperationException {
        Field field = Timer.class.getDeclaredField("histogram");
        field.setAccessible(true);
        return (Histogram) field.get(timer);
    }

    private static MetricName name(String name) {
        return new MetricName("kafka.network", "RequestMetrics", name);
    }
}
