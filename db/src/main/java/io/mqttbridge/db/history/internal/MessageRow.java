package io.mqttbridge.db.history.internal;

import java.time.Instant;

/** One row of the messages table, as read from a mirrored Kafka record. */
record MessageRow(
        Instant receivedAt,
        String topic,
        String clientId,
        String username,
        String nodeId,
        short qos,
        boolean retain,
        byte[] payload,
        String contentType,
        String userPropertiesJson,
        String kafkaTopic,
        int kafkaPartition,
        long kafkaOffset) {
}
