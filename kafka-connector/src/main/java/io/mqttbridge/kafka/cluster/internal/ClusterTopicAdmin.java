package io.mqttbridge.kafka.cluster.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the cluster's topics that do not exist yet: compacted control topics and this node's inbox
 * (with {@code inboxConfigs}: it carries whole messages, which may be larger than Kafka's default limit).
 */
public final class ClusterTopicAdmin {

    private ClusterTopicAdmin() {
    }

    public static void ensureTopics(String bootstrapServers, Map<String, String> clientProperties,
            Set<String> compactedTopics, int controlPartitions, String inboxTopic, int inboxPartitions,
            Map<String, String> inboxConfigs, short replicationFactor, long timeoutMillis) {
        Properties properties = new Properties();
        properties.putAll(clientProperties);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            Set<String> existing = admin.listTopics().names().get(timeoutMillis, TimeUnit.MILLISECONDS);
            Optional<Short> replicas = replicationFactor < 0 ? Optional.empty() : Optional.of(replicationFactor);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : compactedTopics) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, Optional.of(controlPartitions), replicas)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
                }
            }
            if (!existing.contains(inboxTopic)) {
                missing.add(new NewTopic(inboxTopic, Optional.of(inboxPartitions), replicas).configs(inboxConfigs));
            }
            for (var created : admin.createTopics(missing).values().entrySet()) {
                try {
                    created.getValue().get(timeoutMillis, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cluster: cannot create Kafka topic " + created.getKey() + ": "
                                + e.getCause(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the cluster's topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cluster: cannot list Kafka topics at " + bootstrapServers + ": " + e, e);
        }
    }
}
