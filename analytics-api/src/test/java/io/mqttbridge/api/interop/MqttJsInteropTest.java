package io.mqttbridge.api.interop;

import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT.js 5, the library of the console (its copy under {@code console/src/main/frontend/node_modules},
 * installed by the console's build), run by Node.js against the broker: the behaviour of a client
 * library that many devices and dashboards use, not only the wire format.
 */
class MqttJsInteropTest {

    private static final Path MQTT_JS = Path.of("..", "console", "src", "main", "frontend", "node_modules", "mqtt")
            .toAbsolutePath().normalize();

    private final MqttBroker broker = started();

    private static MqttBroker started() {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        MqttBroker broker = new MqttBroker(config);
        broker.start();
        return broker;
    }

    @AfterEach
    void stop() {
        broker.stop();
    }

    @Test
    void aSubscriberThatAllowsTopicAliasesGetsEveryQos2MessageWithItsTopic() throws Exception {
        assertThat(MQTT_JS).as("MQTT.js, installed by the console module's build").isDirectory();

        List<String> lines = runNode("alias-qos2.js", MQTT_JS.toString(), String.valueOf(broker.port()));

        assertThat(lines).containsExactly(
                "{\"topic\":\"alias/q2\",\"qos\":2,\"payload\":\"m0\"}",
                "{\"topic\":\"alias/q2\",\"qos\":2,\"payload\":\"m1\"}",
                "{\"topic\":\"alias/q2\",\"qos\":2,\"payload\":\"m2\"}");
    }

    private static List<String> runNode(String script, String... arguments) throws IOException, InterruptedException {
        Path scriptFile = Files.createTempFile("mqttjs-", ".js");
        try (var in = MqttJsInteropTest.class.getResourceAsStream("/mqttjs/" + script)) {
            Files.write(scriptFile, in.readAllBytes());
        }
        try {
            List<String> command = new java.util.ArrayList<>(List.of("node", scriptFile.toString()));
            command.addAll(List.of(arguments));
            Process node = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
                throw new AssertionError("node " + script + " did not end within 30 s");
            }
            String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(node.exitValue()).as("node " + script + " exit code; output:\n" + output).isZero();
            return output.lines().toList();
        } finally {
            Files.deleteIfExists(scriptFile);
        }
    }
}
