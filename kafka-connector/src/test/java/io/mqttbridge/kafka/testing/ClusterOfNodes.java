package io.mqttbridge.kafka.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Cluster nodes of one test in one JVM on the shared test Kafka, with one session and retained
 * store for all of them (as one PostgreSQL would be), and the MQTT 5 clients the test connects to
 * them; {@link #close} disconnects the clients and stops the nodes still running.
 */
public final class ClusterOfNodes implements AutoCloseable {

    private final List<ClusterNode> nodes = new CopyOnWriteArrayList<>();
    private final List<Mqtt5AsyncClient> clients = new CopyOnWriteArrayList<>();
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryRetainedStore retained = new InMemoryRetainedStore();
    private final ClusterConfig clusterConfig;
    private final String mirrorTopic;

    /** @param name names this test's cluster and mirror topics (made unique) */
    public ClusterOfNodes(String name) {
        this.clusterConfig = ClusterNode.testConfig(KafkaTestClients.uniqueTopic(name));
        this.mirrorTopic = KafkaTestClients.uniqueTopic(name + "-mirror");
    }

    /** Starts node {@code nodeId}, mirroring every topic. */
    public ClusterNode node(String nodeId) {
        return node(nodeId, sessions);
    }

    /** Starts node {@code nodeId} on {@code store}, e.g. a {@link #freezableStore} to kill it with. */
    public ClusterNode node(String nodeId, SessionStore store) {
        ClusterNode node = ClusterNode.start(TestKafka.bootstrapServers(), clusterConfig, nodeId, store, retained,
                List.of(new MirrorRule("#", mirrorTopic)));
        nodes.add(node);
        return node;
    }

    /** One node's view of the shared session store, to freeze when the test kills that node. */
    public FreezableSessionStore freezableStore() {
        return new FreezableSessionStore(sessions);
    }

    /** Stops {@code node} cleanly, as SIGTERM would. */
    public void stop(ClusterNode node) {
        node.close();
        nodes.remove(node);
    }

    /** A new MQTT 5 client of {@code node}, not connected yet. */
    public Mqtt5AsyncClient client(ClusterNode node, String clientId) {
        return track(MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(node.port()).buildAsync());
    }

    /** Disconnects {@code client} at {@link #close}. */
    public Mqtt5AsyncClient track(Mqtt5AsyncClient client) {
        clients.add(client);
        return client;
    }

    /** Adds the payload of every message {@code client} gets to {@code received}, as UTF-8 text. */
    public static Mqtt5AsyncClient collecting(Mqtt5AsyncClient client, List<String> received) {
        client.publishes(MqttGlobalPublishFilter.ALL, p -> received.add(new String(p.getPayloadAsBytes(), UTF_8)));
        return client;
    }

    @Override
    public void close() {
        clients.forEach(client -> client.disconnect().handle((ignored, error) -> null));
        nodes.forEach(ClusterNode::close);
    }
}
