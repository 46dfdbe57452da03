package io.mqttbridge.api.interop;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT.js 5, the library of the console (its copy under {@code console/src/main/frontend/node_modules},
 * installed by the console's build), run by Node.js against the broker: the behaviour of a client
 * library that many devices and dashboards use, not only the wire format.
 */
class MqttJsInteropTest {

    private static final Path MQTT_JS = Path.of("..", "console", "src", "main", "frontend", "node_modules", "mqtt")
            .toAbsolutePath().normalize();

    private final MqttBroker broker = started(PublishSink.NONE);
    private MqttBroker slowSinkBroker;
    private final ScheduledExecutorService kafkaLatency = Executors.newSingleThreadScheduledExecutor();

    private static MqttBroker started(PublishSink sink) {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        MqttBroker broker = new MqttBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, sink,
                SessionListener.NONE, new InMemorySessionStore(), new InMemoryRetainedStore(), new MetricRegistry());
        broker.start();
        return broker;
    }

    @AfterEach
    void stop() {
        broker.stop();
        if (slowSinkBroker != null) {
            slowSinkBroker.stop();
        }
        kafkaLatency.shutdownNow();
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

    @Test
    void aBurstOfQos1PublishesPastTheReceiveMaximumIsAcknowledgedWhileTheSinkTakesMilliseconds() throws Exception {
        assertThat(MQTT_JS).as("MQTT.js, installed by the console module's build").isDirectory();
        List<String> stored = new CopyOnWriteArrayList<>();
        // A PUBACK waits for the sink, as for Kafka: a few milliseconds a message.
        slowSinkBroker = started(message -> {
            CompletableFuture<Void> acknowledged = new CompletableFuture<>();
            kafkaLatency.schedule(() -> {
                stored.add(new String(message.payload(), StandardCharsets.UTF_8));
                acknowledged.complete(null);
            }, 5, TimeUnit.MILLISECONDS);
            return acknowledged;
        });
        int count = 1_000;

        List<String> lines = runNode("burst-qos1.js", MQTT_JS.toString(), String.valueOf(slowSinkBroker.port()),
                String.valueOf(count));

        assertThat(lines).containsExactly("{\"acked\":" + count + ",\"disconnects\":0}");
        assertThat(stored).containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "m" + i).toList());
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
