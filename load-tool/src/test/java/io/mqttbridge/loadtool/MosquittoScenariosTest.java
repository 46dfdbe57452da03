package io.mqttbridge.loadtool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Short real runs against a real Mosquitto over loopback sockets: the tool must see every message exactly once. */
class MosquittoScenariosTest {

    @TempDir
    static Path workDir;

    private static MosquittoBroker broker;

    @BeforeAll
    static void startMosquitto() throws IOException {
        Optional<Path> binary = MosquittoBroker.find();
        assumeTrue(binary.isPresent(), "mosquitto is not installed (apt-get install -y mosquitto)");
        broker = MosquittoBroker.start(binary.get(), workDir);
    }

    @AfterAll
    static void stopMosquitto() {
        if (broker != null) {
            broker.close();
        }
    }

    private static LoadOptions options(String scenario) {
        return new LoadOptions()
                .set("port", broker.port())
                .set("scenario", scenario)
                .set("duration", "1500ms")
                .set("warmup", "200ms")
                .set("drain-timeout", "10s")
                .set("broker-pid", broker.pid())
                .set("source-addresses", 2);
    }

    private static ScenarioResult run(LoadOptions options) throws InterruptedException {
        options.validate(LoadTool.maxFileDescriptors());
        return LoadTool.run(options);
    }

    @ParameterizedTest(name = "{0} at QoS {1}")
    @CsvSource({
            "fan-in, 0", "fan-in, 1", "fan-in, 2",
            "one-to-one, 0", "one-to-one, 1", "one-to-one, 2",
            "fan-out, 0", "fan-out, 1", "fan-out, 2",
    })
    void maxRateRunDeliversEverySentMessageExactlyOnce(String scenario, int qos) throws InterruptedException {
        LoadOptions options = options(scenario).set("qos", qos).set("publishers", 3).set("subscribers", 3)
                .set("max-messages", 20_000).set("inflight", 20);

        ScenarioResult result = run(options);

        assertThat(result.problems).isEmpty();
        assertThat(result.ok).isTrue();
        assertThat(result.sent).isPositive();
        int receiversPerMessage = scenario.equals("fan-out") ? 3 : 1;
        assertThat(result.expected).isEqualTo(result.sent * receiversPerMessage);
        assertThat(result.received).isEqualTo(result.expected);
        assertThat(result.lost).isZero();
        assertThat(result.duplicates).isZero();
        assertThat(result.throughput).isPositive();
        assertThat(result.latencyMicros.count).isPositive();
        assertThat(result.latencyMicros.p99).isGreaterThanOrEqualTo(result.latencyMicros.p50);
        if (qos > 0) {
            assertThat(result.acknowledged).isEqualTo(result.sent);
        }
        assertThat(result.brokerCpuSeconds).isNotNull();
    }

    @Test
    void fixedRateRunSendsAboutTheScheduledNumberOfMessages() throws InterruptedException {
        LoadOptions options = options("fan-in").set("qos", 1).set("publishers", 4).set("rate", 2_000)
                .set("duration", "2s").set("warmup", "0s");

        ScenarioResult result = run(options);

        assertThat(result.ok).isTrue();
        // The schedule allows exactly 1000 per publisher in 2 s (+1 at t=0); a stalled sender would fall far short.
        assertThat(result.sent).isBetween(3_000L, 4_004L);
        assertThat(result.received).isEqualTo(result.sent);
        assertThat(result.targetRate).isEqualTo(2_000.0);
    }

    @Test
    void messageCountBoundStopsPublishersBeforeTheDuration() throws InterruptedException {
        LoadOptions options = options("one-to-one").set("qos", 2).set("publishers", 2).set("max-messages", 500)
                .set("duration", "5s").set("warmup", "0s");

        ScenarioResult result = run(options);

        assertThat(result.ok).isTrue();
        assertThat(result.sent).isEqualTo(1_000);
        assertThat(result.received).isEqualTo(1_000);
    }

    @Test
    void connectStormConnectsEveryClientAndReportsBrokerCpu() throws InterruptedException {
        LoadOptions options = options("connect-storm").set("connections", 300).set("connect-rate", 1_000)
                .set("duration", "5s").set("inflight", 20);

        ScenarioResult result = run(options);

        assertThat(result.problems).isEmpty();
        assertThat(result.connected).isEqualTo(300);
        assertThat(result.connectFailures).isZero();
        assertThat(result.connectsPerSecond).isPositive();
        assertThat(result.connectLatencyMicros.count).isEqualTo(300);
        assertThat(result.brokerCpuMicrosPerConnect).isNotNull();
    }

    @Test
    void idleConnectionsStayOpenForTheHoldAndReportBrokerMemory() throws InterruptedException {
        LoadOptions options = options("idle-connections").set("connections", 200).set("connect-rate", 2_000)
                .set("hold", "1500ms").set("duration", "5s").set("source-addresses", 3);

        ScenarioResult result = run(options);

        assertThat(result.problems).isEmpty();
        assertThat(result.connected).isEqualTo(200);
        assertThat(result.stillOpenAfterHold).isEqualTo(200);
        assertThat(result.brokerRssBeforeBytes).isPositive();
        assertThat(result.brokerRssAfterBytes).isPositive();
        assertThat(result.brokerRssBytesPerConnection).isNotNull();
    }

    @Test
    void reconnectStormBringsEveryPersistentClientBackWithEveryMessageSentWhileAway() throws InterruptedException {
        LoadOptions options = options("reconnect-storm").set("qos", 1).set("connections", 300)
                .set("messages-per-client", 3).set("inflight", 300).set("source-addresses", 3);

        ScenarioResult result = run(options);

        assertThat(result.problems).isEmpty();
        assertThat(result.ok).isTrue();
        assertThat(result.persistentClients).isEqualTo(300);
        assertThat(result.connected).isEqualTo(300);
        assertThat(result.connectFailures).isZero();
        assertThat(result.sessionsNotPresent).isZero();
        assertThat(result.acknowledged).isEqualTo(900);
        assertThat(result.expected).isEqualTo(900);
        assertThat(result.received).isEqualTo(900);
        assertThat(result.lost).isZero();
        assertThat(result.allBackSeconds).isPositive();
        assertThat(result.connectLatencyMicros.count).isEqualTo(300);
        assertThat(result.brokerCpuMicrosPerConnect).isNotNull();
    }
}
