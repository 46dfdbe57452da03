package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Properties of the cluster's consumers: byte arrays, no auto-commit, the configured extras. */
public final class ClusterConsumers {

    private ClusterConsumers() {
    }

    /**
     * @param groupId the consumer group (an inbox's), or {@code null} for the control reader, which
     *     reads every control topic whole without a group
     */
    public static Properties properties(ClusterConfig config, String bootstrapServers, String nodeId, String groupId) {
        Properties p = new Properties();
        p.putAll(config.getConsumerProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "mqtt-cluster-" + nodeId + (groupId == null ? "-control" : "-inbox"));
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        } else {
            // A takeover is three hops through the control topics (claim, claim seen by the holder,
            // release): an idle fetch must not sit out Kafka's default 500 ms wait on each of them.
            p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        }
        return p;
    }

    /**
     * The properties of this node's own inbox reader: a static member of its inbox's group, so that
     * a node restarted after a crash takes its inbox back at once, not after the group expired the
     * dead process's member (45 s by default) with nothing forwarded delivered meanwhile.
     */
    public static Properties ownInboxProperties(ClusterConfig config, String bootstrapServers, String nodeId) {
        Properties p = properties(config, bootstrapServers, nodeId, config.inboxTopic(nodeId));
        p.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "mqtt-cluster-inbox-" + nodeId);
        return p;
    }
}
