package io.mqttbridge.broker.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** mosquitto_pub / mosquitto_sub (Debian mosquitto-clients) against the broker; skipped when absent. */
class MosquittoClientsTest {

    private TestBroker broker;

    @BeforeEach
    void start() {
        assumeTrue(new File("/usr/bin/mosquitto_pub").canExecute() && new File("/usr/bin/mosquitto_sub").canExecute(),
                "mosquitto-clients not installed");
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private int run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }

    @ParameterizedTest
    @CsvSource({"mqttv311,0", "mqttv311,1", "mqttv311,2", "mqttv5,0", "mqttv5,1", "mqttv5,2"})
    void retainedMessagePublishedByMosquittoPubIsReceivedByMosquittoSub(String version, int qos) throws Exception {
        String port = String.valueOf(broker.port());
        String topic = "mosq/" + version + "/" + qos;
        assertThat(run("mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-V", version, "-q", String.valueOf(qos),
                "-r", "-t", topic, "-m", "hello-" + qos)).isZero();
        Process sub = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", version,
                "-q", String.valueOf(qos), "-t", "mosq/#", "-C", "1", "-W", "10", "-v").start();
        assertThat(sub.waitFor(15, TimeUnit.SECONDS)).isTrue();
        String output = new String(sub.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(output).isEqualTo(topic + " hello-" + qos);
    }

    @ParameterizedTest
    @CsvSource({"mqttv311", "mqttv5"})
    void willOfAKilledMosquittoSubIsPublished(String version) throws Exception {
        String port = String.valueOf(broker.port());
        Process watcher = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", version,
                "-t", "wills/" + version, "-C", "1", "-W", "15").start();
        Process victim = new ProcessBuilder("mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", version,
                "-t", "nothing", "-i", "victim-" + version, "--will-topic", "wills/" + version,
                "--will-payload", "gone").start();
        org.awaitility.Awaitility.await().until(() -> broker.broker.connectedClients().size() == 2);
        victim.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        assertThat(watcher.waitFor(15, TimeUnit.SECONDS)).isTrue();
        String output = new String(watcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(List.of(output)).containsExactly("gone");
    }
}
