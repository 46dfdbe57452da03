package io.mqttbridge.kafka.mirror.internal;

import io.mqttbridge.kafka.mirror.MessageSizeLimits;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether an existing mirror topic admits the largest record the broker's packet size allows. A
 * topic an operator created with a smaller {@code max.message.bytes} (or a cluster whose default is
 * smaller) would refuse every larger message after the broker accepted it; this is said at start-up,
 * naming both keys, rather than at the first such message.
 */
final class TopicSizeCheck {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSizeCheck.class);

    private TopicSizeCheck() {
    }

    static void warnIfTooSmall(Admin admin, String topic, MessageSizeLimits sizes, long timeoutMillis)
            throws InterruptedException {
        try {
            problem(admin, topic, sizes, timeoutMillis).ifPresent(LOG::warn);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Could not read the configuration of Kafka topic {}: {}", topic, e.toString());
        }
    }

    /** The problem, in words, when {@code topic}'s {@code max.message.bytes} is below the largest record. */
    static Optional<String> problem(Admin admin, String topic, MessageSizeLimits sizes, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(Set.of(resource)).all()
                .get(timeoutMillis, TimeUnit.MILLISECONDS).get(resource);
        ConfigEntry entry = config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (entry == null || entry.value() == null) {
            return Optional.empty();
        }
        long admitted = Long.parseLong(entry.value());
        if (admitted >= sizes.largestRecordBytes()) {
            return Optional.empty();
        }
        return Optional.of("Kafka topic " + topic + " admits records of up to " + admitted + " bytes ("
                + TopicConfig.MAX_MESSAGE_BYTES_CONFIG + "), but a message of broker.maxPacketSize makes records of up to "
                + sizes.largestRecordBytes() + " bytes: larger messages will be refused (MQTT 5 publishers get reason"
                + " code 0x80, MQTT 3.1.1 publishers are disconnected). Raise the topic's " + TopicConfig.MAX_MESSAGE_BYTES_CONFIG
                + " or lower broker.maxPacketSize");
    }
}
