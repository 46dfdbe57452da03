package io.mqttbridge.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.kafka.downlink.DownlinkConfig;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.testing.Messages;
import io.mqttbridge.kafka.testing.RecordingMessagePublisher;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConnectorTest {

    @TempDir
    Path dataDirectory;

    @Test
    void withoutBootstrapServersItRunsOnEmbeddedKafkaWithMirrorEventsAndDownlink() throws Exception {
        KafkaExitGuard.install();
        KafkaConnectorConfig config = new KafkaConnectorConfig()
                .setNodeId("node-x")
                .setEmbedded(new EmbeddedKafkaConfig().setDataDirectory(dataDirectory.toString()))
                .setMirrorRules(List.of(new MirrorRule("telemetry/#", "telemetry")))
                .setDownlink(new DownlinkConfig().setTopics(List.of("commands")).setMqttTopicTemplate("cmd/{key}"));
        RecordingMessagePublisher broker = RecordingMessagePublisher.completingAtOnce();

        try (KafkaConnector connector = KafkaConnector.start(config, 256 * 1024, new MetricRegistry())) {
            connector.publishSink().accept(Messages.mqtt311("dev", "telemetry/t", "42")).get(30, TimeUnit.SECONDS);
            connector.sessionListener().onConnected(new ConnectionInfo(UUID.randomUUID(), "dev",
                    DeviceIdentity.anonymous("dev"), new InetSocketAddress("127.0.0.1", 1), MqttVersion.MQTT_5, true, 10,
                    0, Instant.now()));
            connector.startDownlink(broker);
            try (var producer = KafkaTestClients.producer(connector.bootstrapServers())) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("commands",
                        "dev".getBytes(UTF_8), "open".getBytes(UTF_8))).get();
            }

            List<ConsumerRecord<byte[], byte[]>> telemetry =
                    KafkaTestClients.readAll(connector.bootstrapServers(), "telemetry", 1, Duration.ofSeconds(30));
            assertThat(new String(telemetry.get(0).value(), UTF_8)).isEqualTo("42");
            List<ConsumerRecord<byte[], byte[]>> events = KafkaTestClients.readAll(connector.bootstrapServers(),
                    "mqtt.session-events", 1, Duration.ofSeconds(30));
            assertThat(events).anySatisfy(e -> assertThat(new String(e.value(), UTF_8)).contains("\"type\":\"connected\""));
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.calls().size() == 1);
            assertThat(broker.calls().get(0).message().topic()).isEqualTo("cmd/dev");
        }
    }
}
