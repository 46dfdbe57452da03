package io.mqttbridge.loadtool.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.loadtool.ScenarioResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonReportTest {

    private static ScenarioResult messaging(String label, double throughput, long p99, boolean ok) {
        ScenarioResult result = new ScenarioResult();
        result.label = label;
        result.caseName = "fan-in qos1";
        result.scenario = "fan-in";
        result.qos = 1;
        result.ok = ok;
        result.throughput = throughput;
        result.latencyMicros = new ScenarioResult.Latency();
        result.latencyMicros.p99 = p99;
        result.lost = 0L;
        return result;
    }

    private static String print(List<ScenarioResult> results) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ComparisonReport.print(results, "mosquitto", "ours", new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void ratioIsCandidateOverBaselineOfTheMediansOfTheRounds() {
        String table = print(List.of(
                messaging("mosquitto", 100_000, 2_000, true),
                messaging("ours", 150_000, 1_000, true),
                messaging("mosquitto", 90_000, 3_000, true),
                messaging("ours", 110_000, 1_500, true),
                messaging("mosquitto", 110_000, 2_500, true),
                messaging("ours", 130_000, 900, true)));

        assertThat(table).contains("| fan-in qos1 | delivered msg/s | 100,000 | 130,000 | 1.30 |");
        assertThat(table).contains("| fan-in qos1 | p99 latency us | 2,500 | 1,000 | 0.40 |");
        assertThat(table).contains("| fan-in qos1 | lost | 0 | 0 | - |");
    }

    @Test
    void missingCandidateLeavesAGapAndFailedRunsAreMarked() {
        String table = print(List.of(messaging("mosquitto", 100_000, 2_000, false)));

        assertThat(table).contains("| fan-in qos1 | delivered msg/s | 100,000 ! | - | - |");
    }

    @Test
    void readsTheToolsJsonLinesAndSkipsOtherLines(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("results.jsonl");
        Files.writeString(file, "# comment\n" + messaging("ours", 5, 7, true).toJson() + "\n\n");

        List<ScenarioResult> results = ComparisonReport.read(file);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.throughput).isEqualTo(5.0);
            assertThat(r.caseName).isEqualTo("fan-in qos1");
        });
    }

    @Test
    void reconnectStormRowsShowTheTimeUntilAllAreBackAndTheLoss() {
        ScenarioResult mosquitto = storm("mosquitto", 2.0, 0);
        ScenarioResult ours = storm("ours", 5.0, 3);

        String table = print(List.of(mosquitto, ours));

        assertThat(table).contains("| reconnect storm | seconds until all back | 2 | 5 ! | 2.50 |");
        assertThat(table).contains("| reconnect storm | lost while away | 0 | 3 ! | - |");
        assertThat(table).contains("| reconnect storm | connects/s | 500 | 200 ! | 0.40 |");
    }

    private static ScenarioResult storm(String label, double seconds, long lost) {
        ScenarioResult result = new ScenarioResult();
        result.label = label;
        result.caseName = "reconnect storm";
        result.scenario = "reconnect-storm";
        result.ok = lost == 0;
        result.connected = 1_000L;
        result.connectsPerSecond = 1_000 / seconds;
        result.allBackSeconds = seconds;
        result.sessionsNotPresent = 0L;
        result.lost = lost;
        return result;
    }
}
