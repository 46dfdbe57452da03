package io.mqttbridge.loadtool.report;

import io.mqttbridge.loadtool.ScenarioResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns the JSON lines of several load-tool runs into a side-by-side table: for each case (the
 * {@code --case} of the runs) and figure, the median over the rounds of the baseline broker
 * (label {@code mosquitto} by default), of the candidate (label {@code ours}) and the ratio
 * candidate / baseline. A figure from a run that failed its integrity bar is marked with {@code !}.
 *
 * <pre>{@code
 * java -cp load-tool.jar io.mqttbridge.loadtool.report.ComparisonReport results.jsonl [baseline] [candidate]
 * }</pre>
 */
public final class ComparisonReport {

    /** One figure of a result, and whether more of it is better. */
    record Figure(String name, Function<ScenarioResult, Double> value, boolean higherIsBetter) {
    }

    static final List<Figure> MESSAGING = List.of(
            new Figure("delivered msg/s", r -> r.throughput, true),
            new Figure("published msg/s", r -> r.publishRate, true),
            new Figure("p50 latency us", r -> r.latencyMicros == null ? null : (double) r.latencyMicros.p50, false),
            new Figure("p99 latency us", r -> r.latencyMicros == null ? null : (double) r.latencyMicros.p99, false),
            new Figure("lost", r -> r.lost == null ? null : (double) r.lost, false),
            new Figure("duplicates", r -> r.duplicates == null ? null : (double) r.duplicates, false),
            new Figure("broker CPU %", r -> r.brokerCpuPercent, false));

    static final List<Figure> CONNECTIONS = List.of(
            new Figure("connects/s", r -> r.connectsPerSecond, true),
            new Figure("p99 connect latency us",
                    r -> r.connectLatencyMicros == null ? null : (double) r.connectLatencyMicros.p99, false),
            new Figure("connect failures", r -> r.connectFailures == null ? null : (double) r.connectFailures, false),
            new Figure("broker CPU us/connect", r -> r.brokerCpuMicrosPerConnect, false),
            new Figure("broker RSS bytes/connection", r -> r.brokerRssBytesPerConnection, false),
            new Figure("seconds until all back", r -> r.allBackSeconds, false),
            new Figure("sessions not present", r -> r.sessionsNotPresent == null ? null : (double) r.sessionsNotPresent, false),
            new Figure("lost while away", r -> r.allBackSeconds == null || r.lost == null ? null : (double) r.lost, false));

    private ComparisonReport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: ComparisonReport RESULTS.jsonl [BASELINE_LABEL] [CANDIDATE_LABEL]");
            System.exit(2);
        }
        List<ScenarioResult> results = read(Path.of(args[0]));
        String baseline = args.length > 1 ? args[1] : "mosquitto";
        String candidate = args.length > 2 ? args[2] : "ours";
        print(results, baseline, candidate, System.out);
    }

    static List<ScenarioResult> read(Path file) throws IOException {
        List<ScenarioResult> results = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("{")) {
                results.add(ScenarioResult.fromJson(line));
            }
        }
        return results;
    }

    static void print(List<ScenarioResult> results, String baseline, String candidate, PrintStream out) {
        Map<String, List<ScenarioResult>> byCase = new LinkedHashMap<>();
        for (ScenarioResult result : results) {
            byCase.computeIfAbsent(caseOf(result), k -> new ArrayList<>()).add(result);
        }
        out.printf(Locale.ROOT, "| case | figure | %s | %s | %s/%s |%n", baseline, candidate, candidate, baseline);
        out.println("|---|---|---:|---:|---:|");
        for (Map.Entry<String, List<ScenarioResult>> entry : byCase.entrySet()) {
            List<ScenarioResult> base = withLabel(entry.getValue(), baseline);
            List<ScenarioResult> cand = withLabel(entry.getValue(), candidate);
            boolean messaging = entry.getValue().get(0).throughput != null;
            for (Figure figure : messaging ? MESSAGING : CONNECTIONS) {
                Double b = median(base, figure);
                Double c = median(cand, figure);
                if (b == null && c == null) {
                    continue;
                }
                out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", entry.getKey(), figure.name(),
                        format(b, anyFailed(base)), format(c, anyFailed(cand)), ratio(c, b));
            }
        }
    }

    private static String caseOf(ScenarioResult result) {
        if (result.caseName != null) {
            return result.caseName;
        }
        return result.scenario + (result.qos == null ? "" : " qos" + result.qos);
    }

    private static List<ScenarioResult> withLabel(List<ScenarioResult> results, String label) {
        return results.stream().filter(r -> label.equals(r.label)).toList();
    }

    private static boolean anyFailed(List<ScenarioResult> results) {
        return results.stream().anyMatch(r -> !r.ok);
    }

    static Double median(List<ScenarioResult> results, Figure figure) {
        List<Double> values = results.stream().map(figure.value()).filter(v -> v != null).sorted().toList();
        if (values.isEmpty()) {
            return null;
        }
        int middle = values.size() / 2;
        return values.size() % 2 == 1 ? values.get(middle) : (values.get(middle - 1) + values.get(middle)) / 2;
    }

    private static String format(Double value, boolean failed) {
        if (value == null) {
            return "-";
        }
        String text = Math.abs(value) >= 100 || value == Math.rint(value)
                ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%.2f", value);
        return failed ? text + " !" : text;
    }

    private static String ratio(Double candidate, Double baseline) {
        if (candidate == null || baseline == null || baseline == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", candidate / baseline);
    }
}
