package io.mqttbridge.db;

import io.mqttbridge.broker.spi.UserProperty;
import java.time.Instant;
import java.util.List;

/**
 * One MQTT message from the history, with where it came from in Kafka.
 *
 * @param id unique within the table; together with {@code receivedAt} it orders the history
 * @param receivedAt the broker's receive time (the Kafka record timestamp)
 * @param payload the raw payload bytes (do not modify), or {@code null} where a read left it out to
 *     stay within its payload budget ({@link MessageRepository#latestPerTopic})
 * @param payloadSize the payload's length in bytes, also when it was left out
 * @param userProperties the MQTT 5 user properties in order, empty if none
 */
public record StoredMessage(
        long id,
        Instant receivedAt,
        String topic,
        String clientId,
        String username,
        String nodeId,
        int qos,
        boolean retain,
        byte[] payload,
        int payloadSize,
        String contentType,
        List<UserProperty> userProperties,
        String kafkaTopic,
        int kafkaPartition,
        long kafkaOffset) {

    public StoredMessage {
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }
}
