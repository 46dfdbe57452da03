package io.mqttbridge.loadtool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadToolCommandLineTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int execute(String... args) {
        return LoadTool.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void badOptionExitsWithUsageCodeNamingTheOption() {
        int code = execute("--scenario", "fan-in", "--qos", "5");

        assertThat(code).isEqualTo(LoadTool.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--qos: must be 0, 1 or 2: 5");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void remoteHostIsRefusedBeforeAnyTraffic() {
        int code = execute("--scenario", "fan-in", "--host", "8.8.8.8");

        assertThat(code).isEqualTo(LoadTool.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("only loopback");
    }

    @Test
    void unreachableBrokerIsARunErrorNotAResult() {
        int code = execute("--scenario", "fan-in", "--port", "1", "--duration", "1s", "--warmup", "0s");

        assertThat(code).isEqualTo(LoadTool.EXIT_ERROR);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("connecting subscribers failed");
    }

    @Test
    void runPrintsOneJsonLineThenASummary(@TempDir Path workDir) throws IOException {
        Optional<Path> binary = MosquittoBroker.find();
        assumeTrue(binary.isPresent(), "mosquitto is not installed");
        try (MosquittoBroker broker = MosquittoBroker.start(binary.get(), workDir)) {
            int code = execute("--port", String.valueOf(broker.port()), "--scenario", "fan-in", "--qos", "1",
                    "--publishers", "2", "--duration", "1s", "--warmup", "0s", "--label", "mosquitto", "--case", "smoke");

            String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
            assertThat(code).isEqualTo(LoadTool.EXIT_OK);
            assertThat(lines).hasSize(1);
            ScenarioResult result = ScenarioResult.fromJson(lines[0]);
            assertThat(result.label).isEqualTo("mosquitto");
            assertThat(result.caseName).isEqualTo("smoke");
            assertThat(result.scenario).isEqualTo("fan-in");
            assertThat(result.lost).isZero();
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("fan-in [mosquitto] qos=1 OK", "delivered");
        }
    }
}
