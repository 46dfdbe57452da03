package io.mqttbridge.kafka.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Settings of the cluster: whether this node joins other nodes through Kafka, the Kafka topics it
 * uses and its timeouts. Off by default: a single node behaves exactly as without this section.
 * Call {@link #validate} before use.
 */
public class ClusterConfig {

    public static final boolean DEFAULT_ENABLED = false;
    public static final String DEFAULT_TOPIC_PREFIX = "mqtt.cluster";
    /** Partitions of each node's inbox: forwarded messages are keyed by publisher, so this bounds parallelism. */
    public static final int DEFAULT_INBOX_PARTITIONS = 6;
    /** Partitions of the shared control topics (routes, claims, nodes). */
    public static final int DEFAULT_CONTROL_PARTITIONS = 6;
    /** -1: the Kafka cluster's default replication factor. */
    public static final short DEFAULT_REPLICATION_FACTOR = -1;
    public static final int DEFAULT_HEARTBEAT_INTERVAL_MS = 1_000;
    /** A node whose last heartbeat is older than this is dead: it gets no shared-group messages, claims do not wait for it. */
    public static final int DEFAULT_NODE_TIMEOUT_MS = 5_000;
    /** How long a connecting client waits for the node that held it to hand its session over. */
    public static final int DEFAULT_HANDOVER_TIMEOUT_MS = 3_000;
    /** How long a claim may take to be written and read back before the CONNECT is refused. */
    public static final int DEFAULT_CLAIM_TIMEOUT_MS = 5_000;
    /** A node that could not write to Kafka for this long closes its clients so they reconnect elsewhere. */
    public static final int DEFAULT_KAFKA_LOSS_TIMEOUT_MS = 10_000;
    /**
     * How long a node that takes over a client of a dead node may spend reading the dead node's
     * inbox for that client's messages before it accepts the CONNECT with what it read.
     */
    public static final int DEFAULT_RECOVERY_TIMEOUT_MS = 10_000;
    /** How long start-up may take to read the cluster's state. */
    public static final int DEFAULT_STARTUP_TIMEOUT_MS = 30_000;

    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");

    private boolean enabled = DEFAULT_ENABLED;
    private String topicPrefix = DEFAULT_TOPIC_PREFIX;
    private int inboxPartitions = DEFAULT_INBOX_PARTITIONS;
    private int controlPartitions = DEFAULT_CONTROL_PARTITIONS;
    private short replicationFactor = DEFAULT_REPLICATION_FACTOR;
    private int heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
    private int nodeTimeoutMs = DEFAULT_NODE_TIMEOUT_MS;
    private int handoverTimeoutMs = DEFAULT_HANDOVER_TIMEOUT_MS;
    private int claimTimeoutMs = DEFAULT_CLAIM_TIMEOUT_MS;
    private int kafkaLossTimeoutMs = DEFAULT_KAFKA_LOSS_TIMEOUT_MS;
    private int startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS;
    private int recoveryTimeoutMs = DEFAULT_RECOVERY_TIMEOUT_MS;
    private Map<String, String> consumerProperties = new LinkedHashMap<>();

    /**
     * @param prefix the key of this section, e.g. {@code kafka.cluster}
     * @param nodeId the node id, which becomes part of a Kafka topic name
     * @throws IllegalArgumentException naming the offending key
     */
    public void validate(String prefix, String nodeId) {
        if (!enabled) {
            return;
        }
        require(topicPrefix != null && LEGAL_TOPIC.matcher(topicPrefix).matches() && topicPrefix.length() <= 150,
                prefix + ".topicPrefix", "must be 1..150 characters of [a-zA-Z0-9._-], was '" + topicPrefix + "'");
        require(nodeId != null && LEGAL_TOPIC.matcher(nodeId).matches() && nodeId.length() <= 80, "nodeId",
                "must be 1..80 characters of [a-zA-Z0-9._-] when " + prefix + ".enabled (it names the node's inbox topic), was '"
                        + nodeId + "'");
        require(inboxPartitions >= 1 && inboxPartitions <= 1000, prefix + ".inboxPartitions",
                "must be 1..1000, was " + inboxPartitions);
        require(controlPartitions >= 1 && controlPartitions <= 1000, prefix + ".controlPartitions",
                "must be 1..1000, was " + controlPartitions);
        require(replicationFactor == -1 || replicationFactor >= 1, prefix + ".replicationFactor",
                "must be -1 (Kafka's default) or positive, was " + replicationFactor);
        require(heartbeatIntervalMs >= 10, prefix + ".heartbeatIntervalMs", "must be at least 10, was " + heartbeatIntervalMs);
        require(nodeTimeoutMs > heartbeatIntervalMs, prefix + ".nodeTimeoutMs",
                "must be greater than heartbeatIntervalMs (" + heartbeatIntervalMs + "), was " + nodeTimeoutMs);
        require(handoverTimeoutMs >= 1, prefix + ".handoverTimeoutMs", "must be positive, was " + handoverTimeoutMs);
        require(claimTimeoutMs > handoverTimeoutMs, prefix + ".claimTimeoutMs",
                "must be greater than handoverTimeoutMs (" + handoverTimeoutMs + "), was " + claimTimeoutMs);
        require(kafkaLossTimeoutMs > heartbeatIntervalMs, prefix + ".kafkaLossTimeoutMs",
                "must be greater than heartbeatIntervalMs (" + heartbeatIntervalMs + "), was " + kafkaLossTimeoutMs);
        require(startupTimeoutMs >= 1_000, prefix + ".startupTimeoutMs", "must be at least 1000, was " + startupTimeoutMs);
        require(recoveryTimeoutMs >= 100, prefix + ".recoveryTimeoutMs", "must be at least 100, was " + recoveryTimeoutMs);
        require(consumerProperties != null, prefix + ".consumerProperties", "must not be null");
    }

    private static void require(boolean condition, String key, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(key + " " + problem);
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public ClusterConfig setEnabled(boolean enabled) {
        this.enabled = enabled;
        return this;
    }

    public String getTopicPrefix() {
        return topicPrefix;
    }

    public ClusterConfig setTopicPrefix(String topicPrefix) {
        this.topicPrefix = topicPrefix;
        return this;
    }

    public int getInboxPartitions() {
        return inboxPartitions;
    }

    public ClusterConfig setInboxPartitions(int inboxPartitions) {
        this.inboxPartitions = inboxPartitions;
        return this;
    }

    public int getControlPartitions() {
        return controlPartitions;
    }

    public ClusterConfig setControlPartitions(int controlPartitions) {
        this.controlPartitions = controlPartitions;
        return this;
    }

    public short getReplicationFactor() {
        return replicationFactor;
    }

    public ClusterConfig setReplicationFactor(short replicationFactor) {
        this.replicationFactor = replicationFactor;
        return this;
    }

    public int getHeartbeatIntervalMs() {
        return heartbeatIntervalMs;
    }

    public ClusterConfig setHeartbeatIntervalMs(int heartbeatIntervalMs) {
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        return this;
    }

    public int getNodeTimeoutMs() {
        return nodeTimeoutMs;
    }

    public ClusterConfig setNodeTimeoutMs(int nodeTimeoutMs) {
        this.nodeTimeoutMs = nodeTimeoutMs;
        return this;
    }

    public int getHandoverTimeoutMs() {
        return handoverTimeoutMs;
    }

    public ClusterConfig setHandoverTimeoutMs(int handoverTimeoutMs) {
        this.handoverTimeoutMs = handoverTimeoutMs;
        return this;
    }

    public int getRecoveryTimeoutMs() {
        return recoveryTimeoutMs;
    }

    public ClusterConfig setRecoveryTimeoutMs(int recoveryTimeoutMs) {
        this.recoveryTimeoutMs = recoveryTimeoutMs;
        return this;
    }

    public int getClaimTimeoutMs() {
        return claimTimeoutMs;
    }

    public ClusterConfig setClaimTimeoutMs(int claimTimeoutMs) {
        this.claimTimeoutMs = claimTimeoutMs;
        return this;
    }

    public int getKafkaLossTimeoutMs() {
        return kafkaLossTimeoutMs;
    }

    public ClusterConfig setKafkaLossTimeoutMs(int kafkaLossTimeoutMs) {
        this.kafkaLossTimeoutMs = kafkaLossTimeoutMs;
        return this;
    }

    public int getStartupTimeoutMs() {
        return startupTimeoutMs;
    }

    public ClusterConfig setStartupTimeoutMs(int startupTimeoutMs) {
        this.startupTimeoutMs = startupTimeoutMs;
        return this;
    }

    /** Passed to the cluster's consumers as they are (security settings, for example). */
    public Map<String, String> getConsumerProperties() {
        return consumerProperties;
    }

    public ClusterConfig setConsumerProperties(Map<String, String> consumerProperties) {
        this.consumerProperties = consumerProperties == null ? new LinkedHashMap<>() : new LinkedHashMap<>(consumerProperties);
        return this;
    }

    /** The compacted topic of subscribed filters per node. */
    public String routesTopic() {
        return topicPrefix + ".routes";
    }

    /** The compacted topic of client id claims (which node holds which client). */
    public String claimsTopic() {
        return topicPrefix + ".claims";
    }

    /** The compacted topic of node heartbeats. */
    public String nodesTopic() {
        return topicPrefix + ".nodes";
    }

    /** The topic of messages forwarded to {@code nodeId}. */
    public String inboxTopic(String nodeId) {
        return topicPrefix + ".inbox." + nodeId;
    }
}
