package io.mqttbridge.api.resources.prometheus;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes a Dropwizard {@link MetricRegistry} in the Prometheus text exposition format 0.0.4.
 *
 * <p>Mapping: a meter becomes a counter {@code <name>_total}; a Dropwizard counter (which may go
 * down) and a numeric or boolean gauge become gauges; a timer becomes a summary in seconds
 * ({@code <name>_seconds} with quantiles and {@code _count}); a histogram a summary without unit.
 * Names have every character outside {@code [a-zA-Z0-9_:]} replaced by {@code _}; when two
 * metrics map to the same name only the first (in name order) is written, so the output is
 * always valid. Gauges whose value is not a number or a boolean are left out.
 *
 * <p>Thread-safe: it holds no state between calls.
 */
public final class PrometheusTextFormat {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.98, 0.99, 0.999};
    private static final double NANOS_PER_SECOND = 1_000_000_000.0;

    private PrometheusTextFormat() {
    }

    public static String write(MetricRegistry registry) {
        StringBuilder out = new StringBuilder(16 * 1024);
        Set<String> written = new HashSet<>();
        for (Map.Entry<String, Gauge> e : registry.getGauges().entrySet()) {
            Double value = numeric(e.getValue());
            String name = sanitize(e.getKey());
            if (value != null && written.add(name)) {
                header(out, name, "gauge", e.getKey());
                sample(out, name, "", value);
            }
        }
        for (Map.Entry<String, Counter> e : registry.getCounters().entrySet()) {
            String name = sanitize(e.getKey());
            if (written.add(name)) {
                header(out, name, "gauge", e.getKey());
                sample(out, name, "", e.getValue().getCount());
            }
        }
        for (Map.Entry<String, Meter> e : registry.getMeters().entrySet()) {
            String name = sanitize(e.getKey()) + "_total";
            if (written.add(name)) {
                header(out, name, "counter", e.getKey());
                sample(out, name, "", e.getValue().getCount());
            }
        }
        for (Map.Entry<String, Timer> e : registry.getTimers().entrySet()) {
            String name = sanitize(e.getKey()) + "_seconds";
            if (written.add(name)) {
                summary(out, name, e.getKey(), e.getValue().getSnapshot(), e.getValue().getCount(), NANOS_PER_SECOND);
            }
        }
        for (Map.Entry<String, Histogram> e : registry.getHistograms().entrySet()) {
            String name = sanitize(e.getKey());
            if (written.add(name)) {
                summary(out, name, e.getKey(), e.getValue().getSnapshot(), e.getValue().getCount(), 1);
            }
        }
        return out.toString();
    }

    /** The metric name Prometheus accepts for a Dropwizard name. */
    static String sanitize(String dropwizardName) {
        StringBuilder name = new StringBuilder(dropwizardName.length() + 1);
        for (int i = 0; i < dropwizardName.length(); i++) {
            char c = dropwizardName.charAt(i);
            boolean valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
                    || (c >= '0' && c <= '9' && i > 0);
            if (c >= '0' && c <= '9' && i == 0) {
                name.append('_').append(c);
            } else {
                name.append(valid ? c : '_');
            }
        }
        return name.length() == 0 ? "_" : name.toString();
    }

    private static void summary(StringBuilder out, String name, String original, Snapshot snapshot, long count,
                                double divisor) {
        header(out, name, "summary", original);
        for (double q : QUANTILES) {
            sample(out, name, "{quantile=\"" + q + "\"}", snapshot.getValue(q) / divisor);
        }
        sample(out, name + "_count", "", count);
    }

    private static void header(StringBuilder out, String name, String type, String original) {
        out.append("# HELP ").append(name).append(" Dropwizard metric ").append(escapeHelp(original)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name).append(labels).append(' ').append(format(value)).append('\n');
    }

    private static String format(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    private static String escapeHelp(String text) {
        return text.replace("\\", "\\\\").replace("\n", "\\n");
    }

    @SuppressWarnings("rawtypes")
    private static Double numeric(Gauge gauge) {
        Object value;
        try {
            value = gauge.getValue();
        } catch (RuntimeException e) {
            // A gauge reading a stopped component may throw; one bad gauge must not break the scrape.
            return null;
        }
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof Boolean bool) {
            return bool ? 1.0 : 0.0;
        }
        return null;
    }
}
