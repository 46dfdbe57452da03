package io.mqttbridge.api.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.api.testing.BridgeNode;
import io.mqttbridge.api.testing.NetworkNamespace;
import io.mqttbridge.db.embedded.EmbeddedPostgresServer;
import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import io.mqttbridge.testing.kafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A cluster node on a host of its own that loses its network path to Kafka and PostgreSQL: three
 * bridge processes, the third in a network namespace ({@link NetworkNamespace}) that reaches Kafka
 * and PostgreSQL (embedded, listening on this host's end of a veth pair) over one link and its
 * clients over another. The Kafka link goes down; the node must close its clients and refuse new
 * ones, and its persistent subscriber must resume on another node with what was published meanwhile.
 * Skipped where {@code ip netns} is not permitted.
 */
class ClusterNetworkCutTest {

    private final List<AutoCloseable> cleanUp = new ArrayList<>();
    private final List<MqttClient> clients = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (MqttClient client : clients) {
            try {
                if (client.isConnected()) {
                    client.disconnectForcibly(500);
                }
                client.close();
            } catch (MqttException ignored) {
                // gone with its node
            }
        }
        // Nodes first, then the services they use, the namespace last.
        for (int i = cleanUp.size() - 1; i >= 0; i--) {
            try {
                cleanUp.get(i).close();
            } catch (Exception e) {
                System.err.println("cluster network cut: clean-up failed: " + e);
            }
        }
    }

    private static NetworkNamespace namespaceOrSkip() {
        try {
            return NetworkNamespace.create();
        } catch (RuntimeException e) {
            Assumptions.abort("network namespaces are not permitted here (ip netns / veth): " + e.getMessage());
            throw e;
        }
    }

    @Test
    void aNodeCutOffFromKafkaClosesItsClientsRefusesConnectsAndItsClientResumesOnAnotherNode() throws Exception {
        KafkaExitGuard.install();
        NetworkNamespace network = namespaceOrSkip();
        cleanUp.add(network);
        Path data = TestKafka.newTemporaryDirectory("cluster-cut-");
        cleanUp.add(() -> TestKafka.deleteRecursively(data));
        String serviceHost = network.hostDataAddress();
        EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaConfig().setHost(serviceHost)
                .setDataDirectory(data.resolve("kafka").toString()));
        cleanUp.add(kafka);
        EmbeddedPostgresServer postgres = new EmbeddedPostgresServer(data.resolve("postgres"), 0, serviceHost).start();
        cleanUp.add(postgres);
        String jdbcUrl = "jdbc:postgresql://" + serviceHost + ":" + postgres.port() + "/" + EmbeddedPostgresServer.DATABASE;

        String prefix = "cut-" + UUID.randomUUID();
        List<BridgeNode> nodes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            BridgeNode.Builder node = BridgeNode.builder("node-" + i, data.resolve("node-" + i))
                    .kafka(kafka.bootstrapServers())
                    .database(jdbcUrl, EmbeddedPostgresServer.USER, postgres.password())
                    .mirrorTopic("cut." + UUID.randomUUID())
                    .kafkaConfig("""
                            cluster:
                              enabled: true
                              topicPrefix: "%s"
                              inboxPartitions: 2
                              controlPartitions: 2
                              replicationFactor: 1
                              heartbeatIntervalMs: 200
                              nodeTimeoutMs: 1500
                              handoverTimeoutMs: 1000
                              kafkaLossTimeoutMs: 2000""".formatted(prefix));
            if (i == 3) {
                node.networkNamespace(network.name(), network.clientAddress());
            }
            nodes.add(node.build());
        }
        nodes.forEach(cleanUp::add);
        CompletableFuture.allOf(nodes.stream().map(node -> CompletableFuture.runAsync(node::start))
                .toArray(CompletableFuture[]::new)).join();
        BridgeNode one = nodes.get(0);
        BridgeNode two = nodes.get(1);
        BridgeNode cutOff = nodes.get(2);

        Collecting beforeCut = new Collecting();
        connect(cutOff, "cut-subscriber", false, beforeCut).subscribe("cut/#", 1);
        MqttClient publisher = connect(one, "cut-publisher", true, null);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
            publisher.publish("cut/probe", "probe".getBytes(StandardCharsets.UTF_8), 1, false);
            return beforeCut.received.contains("probe");
        });

        network.cutData();
        long cutAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).until(() -> beforeCut.lost.get() != null);
        long closedMs = (System.nanoTime() - cutAt) / 1_000_000;
        assertThatThrownBy(() -> connect(cutOff, "newcomer", true, null))
                .as("the cut-off node refuses CONNECTs").isInstanceOf(MqttException.class);

        List<String> published = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            publisher.publish("cut/data", ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            published.add("m" + i);
        }
        Collecting resumed = new Collecting();
        connect(two, "cut-subscriber", false, resumed);
        await().atMost(Duration.ofSeconds(20)).until(() -> resumed.withoutProbes().containsAll(published));
        assertThat(resumed.withoutProbes()).containsExactlyElementsOf(published);
        System.out.printf("cluster network cut: the cut-off node closed its client %d ms after the cut;"
                + " the client resumed on another node with all %d messages%n", closedMs, published.size());
    }

    private MqttClient connect(BridgeNode node, String clientId, boolean cleanSession, Collecting callback)
            throws MqttException {
        MqttClient client = new MqttClient(node.mqttUri(), clientId, new MemoryPersistence());
        clients.add(client);
        if (callback != null) {
            client.setCallback(callback);
        }
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(10);
        client.connect(options);
        return client;
    }

    /** Records payloads in arrival order and the loss of the connection. */
    private static final class Collecting implements MqttCallback {
        final List<String> received = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> lost = new AtomicReference<>();

        List<String> withoutProbes() {
            return received.stream().filter(payload -> !payload.equals("probe")).toList();
        }

        @Override
        public void connectionLost(Throwable cause) {
            lost.set(cause);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            received.add(new String(message.getPayload(), StandardCharsets.UTF_8));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }
}
