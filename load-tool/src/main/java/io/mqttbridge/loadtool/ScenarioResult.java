package io.mqttbridge.loadtool;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The figures of one run, printed as one line of JSON (for scripts) and as a human summary.
 * Fields that do not apply to a scenario are {@code null} and left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScenarioResult {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Latency percentiles in microseconds. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Latency {
        public long count;
        public long p50;
        public long p90;
        public long p99;
        public long p999;
        public long max;

        public static Latency of(Histogram histogram) {
            Latency latency = new Latency();
            latency.count = histogram.getTotalCount();
            latency.p50 = histogram.getValueAtPercentile(50);
            latency.p90 = histogram.getValueAtPercentile(90);
            latency.p99 = histogram.getValueAtPercentile(99);
            latency.p999 = histogram.getValueAtPercentile(99.9);
            latency.max = histogram.getMaxValue();
            return latency;
        }
    }

    public String label;
    @JsonProperty("case")
    public String caseName;
    public String scenario;
    public Integer qos;
    public String transport;
    public Integer ioThreads;
    public String startedAt;
    /** Whether the run met its integrity bar: no loss or duplicates at QoS 1/2, no failed connects. */
    public boolean ok;
    public List<String> problems = new ArrayList<>();

    public Integer publishers;
    public Integer subscribers;
    public Double targetRate;
    public Integer inflight;
    public Integer payloadBytes;
    /** Length of the measured window (duration minus warm-up), seconds. */
    public Double measuredSeconds;
    public Long sent;
    public Long acknowledged;
    public Long expected;
    public Long received;
    public Long lost;
    public Long duplicates;
    public Long outOfOrder;
    public Long windowStalls;
    /** Messages published per second during the measured window. */
    public Double publishRate;
    /** Messages delivered to subscribers per second during the measured window. */
    public Double throughput;
    /** From the scheduled send time (fixed rate) or the send time (max rate) to receipt. */
    public Latency latencyMicros;

    public Integer connectionsAttempted;
    public Long connected;
    public Long connectFailures;
    public Double connectsPerSecond;
    /** From the scheduled connect time to CONNACK. */
    public Latency connectLatencyMicros;
    public Long stillOpenAfterHold;

    /** Reconnect storm: clients set up with a persistent session and dropped. */
    public Integer persistentClients;
    /** Reconnect storm: seconds from the first reconnect until the last client was back and subscribed. */
    public Double allBackSeconds;
    /** Reconnect storm: reconnects whose CONNACK said the broker had no session for the client. */
    public Long sessionsNotPresent;
    /** Reconnect storm: messages published to each client while it was away. */
    public Integer messagesPerClient;

    public Long brokerPid;
    public Double brokerCpuSeconds;
    public Double brokerCpuPercent;
    public Double brokerCpuMicrosPerConnect;
    /** Kafka producer scenario: CPU time of the load tool itself (the producer) in the measured window. */
    public Double producerCpuSeconds;
    /** Kafka producer scenario: the producer's CPU per acknowledged record in the measured window. */
    public Double producerCpuMicrosPerRecord;
    public Long brokerRssBeforeBytes;
    public Long brokerRssAfterBytes;
    public Double brokerRssBytesPerConnection;

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("result cannot be written as JSON", e);
        }
    }

    public static ScenarioResult fromJson(String json) {
        try {
            return JSON.readValue(json, ScenarioResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a load-tool result: " + e.getOriginalMessage(), e);
        }
    }

    /** A few lines for people. */
    public String summary() {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "%s%s qos=%s %s%n", scenario, label == null ? "" : " [" + label + "]",
                qos == null ? "-" : qos, ok ? "OK" : "FAILED: " + String.join("; ", problems)));
        if (throughput != null) {
            text.append(String.format(Locale.ROOT,
                    "  %d publishers, %d subscribers, %s, %.1f s measured%n"
                            + "  published %.0f msg/s, delivered %.0f msg/s%n"
                            + "  sent %d, expected deliveries %d, received %d, lost %d, duplicates %d, out of order %d%n",
                    publishers, subscribers, targetRate == 0 ? "max-rate (window " + inflight + ")" : "fixed " + targetRate + " msg/s",
                    measuredSeconds, publishRate, throughput, sent, expected, received, lost, duplicates, outOfOrder));
        }
        if (latencyMicros != null) {
            text.append(latencyLine("latency", latencyMicros));
        }
        if (connected != null) {
            text.append(String.format(Locale.ROOT, "  %d of %d connected, %d failed, %.0f connects/s%n",
                    connected, connectionsAttempted, connectFailures, connectsPerSecond));
            if (allBackSeconds != null) {
                text.append(String.format(Locale.ROOT, "  %d persistent clients back and subscribed after %.3f s,"
                        + " %d without their session%n", persistentClients, allBackSeconds, sessionsNotPresent));
            }
            if (stillOpenAfterHold != null) {
                text.append(String.format(Locale.ROOT, "  %d still open after the hold%n", stillOpenAfterHold));
            }
        }
        if (messagesPerClient != null) {
            text.append(String.format(Locale.ROOT, "  while away: %d messages per client, acknowledged %d,"
                    + " expected %d, received %d, lost %d, duplicates %d%n",
                    messagesPerClient, acknowledged, expected, received, lost, duplicates));
        }
        if (connectLatencyMicros != null) {
            text.append(latencyLine("connect latency", connectLatencyMicros));
        }
        if (brokerCpuSeconds != null) {
            text.append(String.format(Locale.ROOT, "  broker pid %d: %.2f s CPU (%.0f%%)", brokerPid, brokerCpuSeconds,
                    brokerCpuPercent));
            if (brokerCpuMicrosPerConnect != null) {
                text.append(String.format(Locale.ROOT, ", %.1f us CPU per connect", brokerCpuMicrosPerConnect));
            }
            if (brokerRssBytesPerConnection != null) {
                text.append(String.format(Locale.ROOT, ", RSS %d -> %d KiB, %.0f bytes per connection",
                        brokerRssBeforeBytes / 1024, brokerRssAfterBytes / 1024, brokerRssBytesPerConnection));
            }
            text.append(System.lineSeparator());
        }
        if (producerCpuMicrosPerRecord != null) {
            text.append(String.format(Locale.ROOT, "  producer (this process): %.2f s CPU, %.2f us per record%n",
                    producerCpuSeconds, producerCpuMicrosPerRecord));
        }
        return text.toString();
    }

    private static String latencyLine(String what, Latency latency) {
        return String.format(Locale.ROOT, "  %s us: p50 %d, p90 %d, p99 %d, p99.9 %d, max %d (%d samples)%n",
                what, latency.p50, latency.p90, latency.p99, latency.p999, latency.max, latency.count);
    }
}
