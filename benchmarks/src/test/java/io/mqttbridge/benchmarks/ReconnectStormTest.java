package io.mqttbridge.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.loadtool.LoadOptions;
import io.mqttbridge.loadtool.LoadTool;
import io.mqttbridge.loadtool.ScenarioResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The load tool's reconnect storm against our broker as the comparison runs it ({@link StandaloneBroker}'s
 * configuration, in this JVM, on an ephemeral loopback port): persistent clients dropped at once must all
 * come back with their sessions and receive every QoS 1 message published while they were away.
 */
class ReconnectStormTest {

    private static final int CLIENTS = 300;
    private static final int MESSAGES_PER_CLIENT = 3;

    private MqttBroker broker;

    @BeforeEach
    void startBroker() {
        broker = new MqttBroker(StandaloneBroker.parse(new String[] {"--port", "0"}));
        broker.start();
    }

    @AfterEach
    void stopBroker() {
        broker.stop();
    }

    @Test
    void everyPersistentClientComesBackWithItsSessionAndEveryMessageSentWhileAway() throws InterruptedException {
        LoadOptions options = new LoadOptions().set("port", broker.port()).set("scenario", "reconnect-storm")
                .set("qos", 1).set("connections", CLIENTS).set("messages-per-client", MESSAGES_PER_CLIENT)
                .set("inflight", CLIENTS).set("source-addresses", 3).set("drain-timeout", "20s")
                .set("broker-pid", ProcessHandle.current().pid());
        options.validate(Long.MAX_VALUE);

        ScenarioResult result = LoadTool.run(options);

        assertThat(result.problems).isEmpty();
        assertThat(result.ok).isTrue();
        assertThat(result.connected).isEqualTo(CLIENTS);
        assertThat(result.connectFailures).isZero();
        assertThat(result.sessionsNotPresent).isZero();
        assertThat(result.acknowledged).isEqualTo((long) CLIENTS * MESSAGES_PER_CLIENT);
        assertThat(result.received).isEqualTo((long) CLIENTS * MESSAGES_PER_CLIENT);
        assertThat(result.lost).isZero();
        assertThat(result.allBackSeconds).isPositive();
    }

    @Test
    @Disabled("fails on main since 9ac3d4b: QoS 2 publishes to 100 offline persistent sessions are never"
            + " completed (no PUBCOMP; half never delivered); passed before that merge and passes against Mosquitto."
            + " Reproduce: StandaloneBroker, then load-tool --scenario reconnect-storm --qos 2 --connections 100"
            + " --messages-per-client 2 --inflight 100")
    void qos2StormDeliversEveryMessageExactlyOnce() throws InterruptedException {
        LoadOptions options = new LoadOptions().set("port", broker.port()).set("scenario", "reconnect-storm")
                .set("qos", 2).set("connections", 100).set("messages-per-client", 2).set("inflight", 100)
                .set("source-addresses", 2).set("drain-timeout", "20s");
        options.validate(Long.MAX_VALUE);

        ScenarioResult result = LoadTool.run(options);

        assertThat(result.problems).isEmpty();
        assertThat(result.received).isEqualTo(200);
        assertThat(result.duplicates).isZero();
    }
}
