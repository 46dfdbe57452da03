package io.mqttbridge.kafka.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node stopped cleanly (SIGTERM) while messages stream to one of its clients, which reconnects to
 * another node as soon as it is disconnected: the messages that reached the stopping node for it
 * still reach it. Nodes in one JVM on the shared test Kafka, real MQTT 5 clients over real sockets.
 */
class ClusterCleanStopTest {

    private final List<ClusterNode> nodes = new ArrayList<>();
    private final List<Mqtt5AsyncClient> clients = new ArrayList<>();
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryRetainedStore retained = new InMemoryRetainedStore();
    private ClusterConfig clusterConfig;
    private String mirrorTopic;

    @BeforeEach
    void cluster() {
        clusterConfig = ClusterNode.testConfig(KafkaTestClients.uniqueTopic("stop"));
        mirrorTopic = KafkaTestClients.uniqueTopic("stop-mirror");
    }

    @AfterEach
    void stop() {
        clients.forEach(client -> client.disconnect().handle((ignored, error) -> null));
        nodes.forEach(ClusterNode::close);
    }

    @Test
    void aClientThatMovesToAnotherNodeWhileItsNodeStopsGetsEveryMessagePublishedMeanwhile() throws Exception {
        ClusterNode one = node("n1");
        ClusterNode two = node("n2");
        one.awaitAlive(two);
        two.awaitAlive(one);
        List<String> received = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> movedOver = new CompletableFuture<>();
        Mqtt5AsyncClient moving = collecting(MqttClient.builder().useMqttVersion5().identifier("mover")
                .serverHost("127.0.0.1").serverPort(one.port())
                // Reconnects at once to the other node, as a client behind a load balancer would.
                .addDisconnectedListener(context -> {
                    if (!movedOver.isDone()) {
                        movedOver.complete(null);
                        Mqtt5AsyncClient next = collecting(client(two, "mover"), received);
                        next.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
                    }
                })
                .buildAsync(), received);
        clients.add(moving);
        moving.connectWith().cleanStart(true).sessionExpiryInterval(300).send().get(10, TimeUnit.SECONDS);
        moving.subscribeWith().topicFilter("stream/mover").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        two.awaitRoute(one, "stream/mover");
        Mqtt5BlockingClient publisher = client(two, "streamer").toBlocking();
        publisher.connect();

        List<String> published = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            if (i == 100) {
                CompletableFuture.runAsync(() -> {
                    one.close();
                    nodes.remove(one);
                });
            }
            String payload = "s" + i;
            publisher.publishWith().topic("stream/mover").qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(UTF_8))
                    .send();
            published.add(payload);
            Thread.sleep(2); // a steady stream across the stop, not a burst before it
        }

        assertThat(movedOver).succeedsWithin(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Set<String> missing = new LinkedHashSet<>(published);
            received.forEach(missing::remove);
            assertThat(missing).as("messages the client never got").isEmpty();
        });
    }

    private ClusterNode node(String nodeId) {
        ClusterNode node = ClusterNode.start(TestKafka.bootstrapServers(), clusterConfig, nodeId, sessions, retained,
                List.of(new MirrorRule("#", mirrorTopic)));
        nodes.add(node);
        return node;
    }

    private Mqtt5AsyncClient client(ClusterNode node, String clientId) {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(node.port()).buildAsync();
        clients.add(client);
        return client;
    }

    private static Mqtt5AsyncClient collecting(Mqtt5AsyncClient client, List<String> received) {
        client.publishes(MqttGlobalPublishFilter.ALL, p -> received.add(new String(p.getPayloadAsBytes(), UTF_8)));
        return client;
    }
}
