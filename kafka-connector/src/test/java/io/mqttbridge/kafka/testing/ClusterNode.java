package io.mqttbridge.kafka.testing;

import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.RetainedStore;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.broker.spi.SessionStore;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.kafka.cluster.KafkaClusterFabric;
import io.mqttbridge.kafka.mirror.KafkaPublishSink;
import io.mqttbridge.kafka.mirror.MessageSizeLimits;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * One broker node of an in-process cluster: the real {@link MqttBroker} on an ephemeral port of
 * 127.0.0.1 with its own {@link KafkaClusterFabric} and Kafka mirror, on the shared test Kafka.
 * Nodes of one cluster share a topic prefix, a session store and a retained store, as nodes
 * sharing one PostgreSQL do.
 */
public final class ClusterNode implements AutoCloseable {

    private final String nodeId;
    private final MqttBroker broker;
    private final KafkaClusterFabric fabric;
    private final KafkaPublishSink sink;

    private ClusterNode(String nodeId, MqttBroker broker, KafkaClusterFabric fabric, KafkaPublishSink sink) {
        this.nodeId = nodeId;
        this.broker = broker;
        this.fabric = fabric;
        this.sink = sink;
    }

    /** Timeouts short enough for tests. */
    public static ClusterConfig testConfig(String topicPrefix) {
        return new ClusterConfig().setEnabled(true).setTopicPrefix(topicPrefix).setInboxPartitions(2)
                .setControlPartitions(2).setReplicationFactor((short) 1).setHeartbeatIntervalMs(200)
                .setNodeTimeoutMs(1_500).setHandoverTimeoutMs(1_000).setClaimTimeoutMs(5_000)
                .setKafkaLossTimeoutMs(2_000);
    }

    public static ClusterNode start(String bootstrapServers, ClusterConfig clusterConfig, String nodeId,
            SessionStore sessions, RetainedStore retained, List<MirrorRule> mirrorRules) {
        return start(bootstrapServers, clusterConfig, nodeId, sessions, retained, mirrorRules,
                new ProducerSettings().setLingerMs(1));
    }

    public static ClusterNode start(String bootstrapServers, ClusterConfig clusterConfig, String nodeId,
            SessionStore sessions, RetainedStore retained, List<MirrorRule> mirrorRules, ProducerSettings producer) {
        return start(bootstrapServers, clusterConfig, nodeId, sessions, retained, mirrorRules, producer,
                Authenticator.ALLOW_ALL);
    }

    public static ClusterNode start(String bootstrapServers, ClusterConfig clusterConfig, String nodeId,
            SessionStore sessions, RetainedStore retained, List<MirrorRule> mirrorRules, ProducerSettings producer,
            Authenticator authenticator) {
        return start(bootstrapServers, clusterConfig, nodeId, sessions, retained, mirrorRules, producer, producer,
                authenticator);
    }

    /** A node whose mirror sends with {@code mirrorProducer} and whose cluster fabric with {@code fabricProducer}. */
    public static ClusterNode start(String bootstrapServers, ClusterConfig clusterConfig, String nodeId,
            SessionStore sessions, RetainedStore retained, List<MirrorRule> mirrorRules,
            ProducerSettings mirrorProducer, ProducerSettings fabricProducer, Authenticator authenticator) {
        return start(bootstrapServers, clusterConfig, nodeId, sessions, retained, mirrorRules, mirrorProducer,
                fabricProducer, authenticator, config -> { });
    }

    /** A node whose broker has {@code configure}'s settings beyond loopback, a free port and two event loops. */
    public static ClusterNode start(String bootstrapServers, ClusterConfig clusterConfig, String nodeId,
            SessionStore sessions, RetainedStore retained, List<MirrorRule> mirrorRules,
            ProducerSettings mirrorProducer, ProducerSettings fabricProducer, Authenticator authenticator,
            Consumer<BrokerConfig> configure) {
        MetricRegistry metrics = new MetricRegistry();
        KafkaPublishSink sink = KafkaPublishSink.create(bootstrapServers, mirrorRules, mirrorProducer, nodeId, metrics);
        KafkaClusterFabric fabric = KafkaClusterFabric.create(bootstrapServers, clusterConfig, nodeId, fabricProducer,
                MessageSizeLimits.forPacketsUpTo(BrokerConfig.DEFAULT_MAX_PACKET_SIZE), metrics);
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        config.setWorkerThreads(2);
        configure.accept(config);
        MqttBroker broker = new MqttBroker(config, authenticator, Authorizer.ALLOW_ALL, sink,
                SessionListener.NONE, sessions, retained, metrics, fabric);
        try {
            broker.start();
        } catch (RuntimeException e) {
            fabric.close();
            sink.close();
            throw e;
        }
        return new ClusterNode(nodeId, broker, fabric, sink);
    }

    public String nodeId() {
        return nodeId;
    }

    public MqttBroker broker() {
        return broker;
    }

    public KafkaPublishSink sink() {
        return sink;
    }

    public KafkaClusterFabric fabric() {
        return fabric;
    }

    public int port() {
        return broker.port();
    }

    public String serverUri() {
        return "tcp://127.0.0.1:" + broker.port();
    }

    /** Waits until this node knows that {@code other} subscribes to {@code topicFilter}. */
    public void awaitRoute(ClusterNode other, String topicFilter) {
        await().atMost(Duration.ofSeconds(10)).until(() -> fabric.knowsRoute(other.nodeId, topicFilter));
    }

    /** Waits until this node sees {@code other} alive. */
    public void awaitAlive(ClusterNode other) {
        await().atMost(Duration.ofSeconds(10)).until(() -> fabric.liveNodes().contains(other.nodeId));
    }

    /**
     * Ends this node as {@code kill -9} would as far as the cluster sees it: heartbeats stop, no
     * leave record, no final inbox commit; its clients' connections drop. The caller freezes the
     * node's session store first if the store must keep only what was written through before.
     */
    public void crash() {
        fabric.halt();
        broker.stop();
    }

    @Override
    public void close() {
        broker.stop();
        fabric.close();
        sink.close();
    }
}
