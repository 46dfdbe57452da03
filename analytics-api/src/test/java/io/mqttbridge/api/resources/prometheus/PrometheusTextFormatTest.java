package io.mqttbridge.api.resources.prometheus;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusTextFormatTest {

    @Test
    void metersCountersGaugesAndTimersBecomeValidSamples() {
        MetricRegistry registry = new MetricRegistry();
        registry.meter("mqtt.messages.in.qos1").mark(3);
        registry.counter("mqtt.connections").inc(2);
        registry.gauge("history-writer.lag.total", () -> (Gauge<Long>) () -> 42L);
        registry.gauge("kafka.mirror.accepting", () -> (Gauge<Boolean>) () -> true);
        registry.gauge("text.gauge", () -> (Gauge<String>) () -> "not a number");
        registry.timer("kafka.mirror.send-latency").update(250, TimeUnit.MILLISECONDS);

        String text = PrometheusTextFormat.write(registry);

        assertThat(text).contains("# TYPE mqtt_messages_in_qos1_total counter\nmqtt_messages_in_qos1_total 3\n");
        assertThat(text).contains("# TYPE mqtt_connections gauge\nmqtt_connections 2\n");
        assertThat(text).contains("history_writer_lag_total 42\n");
        assertThat(text).contains("kafka_mirror_accepting 1\n");
        assertThat(text).doesNotContain("text_gauge");
        assertThat(text).contains("# TYPE kafka_mirror_send_latency_seconds summary\n");
        assertThat(text).contains("kafka_mirror_send_latency_seconds{quantile=\"0.99\"} 0.25\n");
        assertThat(text).contains("kafka_mirror_send_latency_seconds_count 1\n");
        for (String line : text.split("\n")) {
            assertThat(line).matches("# (HELP|TYPE) .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\\{quantile=\"[0-9.]+\"})? \\S+");
        }
    }

    @Test
    void namesThatCollideAfterSanitizingAreWrittenOnce() {
        MetricRegistry registry = new MetricRegistry();
        registry.counter("a.b").inc();
        registry.counter("a-b").inc(5);

        String text = PrometheusTextFormat.write(registry);

        assertThat(text.lines().filter(l -> l.startsWith("a_b "))).hasSize(1);
        assertThat(text.lines().filter(l -> l.startsWith("# TYPE a_b "))).hasSize(1);
    }

    @Test
    void leadingDigitsAndOddCharactersAreMadeValid() {
        assertThat(PrometheusTextFormat.sanitize("9lives.per/sec")).isEqualTo("_9lives_per_sec");
        assertThat(PrometheusTextFormat.sanitize("ok:name_1")).isEqualTo("ok:name_1");
    }

    @Test
    void aGaugeThatThrowsIsLeftOutAndTheRestIsWritten() {
        MetricRegistry registry = new MetricRegistry();
        registry.gauge("broken", () -> (Gauge<Long>) () -> {
            throw new IllegalStateException("stopped");
        });
        registry.counter("fine").inc();

        assertThat(PrometheusTextFormat.write(registry)).doesNotContain("broken").contains("fine 1\n");
    }
}
