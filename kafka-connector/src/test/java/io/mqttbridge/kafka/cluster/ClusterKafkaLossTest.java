package io.mqttbridge.kafka.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import io.mqttbridge.kafka.embedded.internal.FreePorts;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.ClusterNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node cut off from Kafka (here: the Kafka of this test stopped) closes its clients so that they
 * reconnect to nodes that still reach Kafka, and refuses new ones meanwhile.
 */
class ClusterKafkaLossTest {

    @TempDir
    Path dataDirectory;

    private EmbeddedKafka kafka;
    private ClusterNode node;
    private MqttAsyncClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close(true);
        }
        if (node != null) {
            node.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aNodeThatCannotReachKafkaClosesItsClientsAndRefusesNewOnes() throws Exception {
        KafkaExitGuard.install();
        kafka = EmbeddedKafka.start(new EmbeddedKafkaConfig().setDataDirectory(dataDirectory.toString())
                .setPort(FreePorts.pick("127.0.0.1")));
        ClusterConfig config = ClusterNode.testConfig("loss");
        ProducerSettings producer = new ProducerSettings().setLingerMs(1).setDeliveryTimeoutMs(3_000)
                .setRequestTimeoutMs(1_000).setMaxBlockMs(1_000);
        node = ClusterNode.start(kafka.bootstrapServers(), config, "lonely", new InMemorySessionStore(),
                new InMemoryRetainedStore(), List.of(new MirrorRule("#", "loss-mirror")), producer);
        List<Integer> disconnectCodes = new CopyOnWriteArrayList<>();
        client = new MqttAsyncClient(node.serverUri(), "stranded", new MemoryPersistence());
        client.setCallback(new Recorder(disconnectCodes));
        client.connect().waitForCompletion(10_000);

        kafka.close();
        kafka = null;

        await().atMost(Duration.ofMillis(config.getKafkaLossTimeoutMs() + 3_000L))
                .until(() -> !disconnectCodes.isEmpty());
        assertThat(disconnectCodes).containsExactly(0x8B);
        assertThat(node.fabric().isIsolated()).isTrue();
        MqttAsyncClient late = new MqttAsyncClient(node.serverUri(), "late", new MemoryPersistence());
        try {
            assertThatThrownBy(() -> late.connect().waitForCompletion(10_000)).isInstanceOf(MqttException.class);
        } finally {
            late.close(true);
        }
    }

    private record Recorder(List<Integer> disconnectCodes) implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            disconnectCodes.add(response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }
}
