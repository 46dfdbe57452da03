package io.mqttbridge.kafka.mirror.internal;

import io.mqttbridge.kafka.mirror.MessageSizeLimits;
import io.mqttbridge.kafka.mirror.MirrorRule;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, at start-up, the Kafka topics the bridge knows by name (fixed mirror rule topics, the
 * session events topic, the downlink's dead-letter topic) when they are missing, with the cluster's
 * default partitions and replication. Then the history writer finds them in its first subscription
 * instead of at a later metadata refresh, and the first message is not held up by topic creation.
 * Topics from templates ({@code telemetry.{2}}) can only be created when first used.
 *
 * <p>A mirror topic is created admitting the largest record a message can make ({@link MessageSizeLimits});
 * one that exists already and admits less is reported with both keys. Topics from templates are
 * created by Kafka with its defaults when first used.
 *
 * <p>A cluster that does not let the bridge create topics is not an error: the topic may be created
 * by its operators; the reason is logged and the mirror creates or finds it on first use as before.
 */
public final class StartupTopics {

    private static final Logger LOG = LoggerFactory.getLogger(StartupTopics.class);
    private static final long TIMEOUT_MS = 15_000;

    private StartupTopics() {
    }

    /** The fixed Kafka topic names among the rules' topics (templates left out), in order, once each. */
    public static Set<String> fixedTopicsOf(List<MirrorRule> rules) {
        Set<String> names = new LinkedHashSet<>();
        for (MirrorRule rule : rules) {
            if (TopicTemplate.parse(rule.getKafkaTopic()).highestLevel() == 0) {
                names.add(rule.getKafkaTopic());
            }
        }
        return names;
    }

    /**
     * Creates the missing ones among the topics; blocks up to 15 s; never throws for Kafka errors. The
     * mirror topics are created admitting the largest record {@code sizes} allows, and an existing
     * one that admits less is reported.
     */
    public static void ensure(String bootstrapServers, Collection<String> mirrorTopics, Collection<String> otherTopics,
            MessageSizeLimits sizes) {
        Set<String> topics = new LinkedHashSet<>(mirrorTopics);
        topics.addAll(otherTopics);
        if (topics.isEmpty()) {
            return;
        }
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
        // Must not exceed the API timeout, or the client refuses to start.
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS / 2);
        try (Admin admin = Admin.create(properties)) {
            List<NewTopic> wanted = topics.stream()
                    .map(name -> new NewTopic(name, Optional.empty(), Optional.empty())
                            .configs(mirrorTopics.contains(name) ? sizes.topicConfigs() : Map.of()))
                    .toList();
            Map<String, KafkaFuture<Void>> results = admin.createTopics(wanted).values();
            for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
                try {
                    result.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    LOG.info("Created Kafka topic {}", result.getKey());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException && mirrorTopics.contains(result.getKey())) {
                        TopicSizeCheck.warnIfTooSmall(admin, result.getKey(), sizes, TIMEOUT_MS);
                    } else if (!(e.getCause() instanceof TopicExistsException)) {
                        LOG.warn("Could not create Kafka topic {} at start-up ({}); it is created or found when first"
                                + " used", result.getKey(), e.getCause().toString());
                    }
                } catch (TimeoutException e) {
                    LOG.warn("Creating Kafka topic {} at start-up timed out; it is created or found when first used",
                            result.getKey());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("Could not check the Kafka topics at start-up; they are created or found when first used", e);
        }
    }
}
