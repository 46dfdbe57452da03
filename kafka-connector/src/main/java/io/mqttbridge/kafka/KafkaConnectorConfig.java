package io.mqttbridge.kafka;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.kafka.downlink.DownlinkConfig;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.events.SessionEventsConfig;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.mirror.internal.MirrorRoutes;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the Kafka connector needs, as one Jackson-friendly object for the application's YAML
 * (e.g. under {@code kafka:}). Every field has a named default; {@link #validate()} names the
 * offending key when something is wrong.
 *
 * <pre>
 * kafka:
 *   bootstrapServers: ""          # empty: start the embedded Kafka
 *   nodeId: node-1
 *   embedded: { dataDirectory: ./data/kafka, port: 0 }
 *   producer: { lingerMs: 5, compressionType: lz4, deliveryTimeoutMs: 30000, properties: {} }
 *   mirrorRules:
 *     - { mqttTopicFilter: "sensors/+/temp", kafkaTopic: "telemetry.{2}", keyStrategy: CLIENT_ID }
 *   sessionEvents: { topic: mqtt.session-events, heartbeatIntervalMs: 30000 }
 *   downlink: { topics: [mqtt.commands], mqttTopicTemplate: "devices/{key}/commands", qos: 1 }
 * </pre>
 */
public class KafkaConnectorConfig {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "";
    public static final String DEFAULT_NODE_ID = "node-1";

    private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
    private String nodeId = DEFAULT_NODE_ID;
    private EmbeddedKafkaConfig embedded = new EmbeddedKafkaConfig();
    private ProducerSettings producer = new ProducerSettings();
    private List<MirrorRule> mirrorRules = new ArrayList<>();
    private SessionEventsConfig sessionEvents = new SessionEventsConfig();
    private DownlinkConfig downlink = new DownlinkConfig();
    private ClusterConfig cluster = new ClusterConfig();

    /** Whether no bootstrap servers are configured, so the embedded Kafka is started. */
    public boolean usesEmbeddedKafka() {
        return bootstrapServers == null || bootstrapServers.isBlank();
    }

    /** @throws IllegalArgumentException naming the offending key (paths relative to this object) */
    public void validate() {
        if (nodeId == null || nodeId.isBlank()) {
            throw new IllegalArgumentException("nodeId must not be empty");
        }
        require(embedded, "embedded");
        require(producer, "producer");
        require(mirrorRules, "mirrorRules");
        require(sessionEvents, "sessionEvents");
        require(downlink, "downlink");
        require(cluster, "cluster");
        if (usesEmbeddedKafka()) {
            embedded.validate("embedded");
        }
        producer.validate("producer");
        try {
            MirrorRoutes.compile(mirrorRules, reservedTopics());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("mirrorRules: " + e.getMessage(), e);
        }
        sessionEvents.validate("sessionEvents");
        if (downlink.isEnabled()) {
            downlink.validate("downlink");
        }
        cluster.validate("cluster", nodeId);
    }

    /**
     * The Kafka topics no mirror rule may write to: session events, downlink topics and pattern and its
     * dead-letter topic, the cluster's topics, {@code __*}.
     */
    public io.mqttbridge.kafka.mirror.ReservedTopics reservedTopics() {
        List<String> names = new ArrayList<>();
        if (sessionEvents != null) {
            names.add(sessionEvents.getTopic());
        }
        if (downlink != null && downlink.getTopics() != null) {
            names.addAll(downlink.getTopics());
        }
        if (downlink != null) {
            names.add(downlink.getDeadLetterTopic());
        }
        List<String> prefixes = cluster == null || cluster.getTopicPrefix() == null ? List.of()
                : List.of(cluster.getTopicPrefix() + ".");
        return io.mqttbridge.kafka.mirror.ReservedTopics.of(names, prefixes,
                downlink == null ? null : downlink.getTopicPattern());
    }

    private static void require(Object value, String key) {
        if (value == null) {
            throw new IllegalArgumentException(key + " must not be null");
        }
    }

    public String getBootstrapServers() {
        return bootstrapServers;
    }

    /** {@code host:port[,host:port...]} of an external Kafka; empty starts the embedded one. */
    public KafkaConnectorConfig setBootstrapServers(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        return this;
    }

    public String getNodeId() {
        return nodeId;
    }

    /** This bridge node's id, in the {@code mqtt.node} header and session events. */
    public KafkaConnectorConfig setNodeId(String nodeId) {
        this.nodeId = nodeId;
        return this;
    }

    public EmbeddedKafkaConfig getEmbedded() {
        return embedded;
    }

    public KafkaConnectorConfig setEmbedded(EmbeddedKafkaConfig embedded) {
        this.embedded = embedded;
        return this;
    }

    public ProducerSettings getProducer() {
        return producer;
    }

    public KafkaConnectorConfig setProducer(ProducerSettings producer) {
        this.producer = producer;
        return this;
    }

    public List<MirrorRule> getMirrorRules() {
        return mirrorRules;
    }

    /** Evaluated in order, first match wins; no rules: nothing is mirrored. */
    public KafkaConnectorConfig setMirrorRules(List<MirrorRule> mirrorRules) {
        this.mirrorRules = mirrorRules == null ? new ArrayList<>() : new ArrayList<>(mirrorRules);
        return this;
    }

    public SessionEventsConfig getSessionEvents() {
        return sessionEvents;
    }

    public KafkaConnectorConfig setSessionEvents(SessionEventsConfig sessionEvents) {
        this.sessionEvents = sessionEvents;
        return this;
    }

    public DownlinkConfig getDownlink() {
        return downlink;
    }

    public KafkaConnectorConfig setDownlink(DownlinkConfig downlink) {
        this.downlink = downlink;
        return this;
    }

    /** The cluster: off by default. */
    public ClusterConfig getCluster() {
        return cluster;
    }

    public KafkaConnectorConfig setCluster(ClusterConfig cluster) {
        this.cluster = cluster;
        return this;
    }
}
