package io.mqttbridge.api.resources.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.mqttbridge.broker.spi.UserProperty;

import java.util.List;

/**
 * A message to publish to the broker's subscribers through the REST API.
 *
 * @param topic the topic name (no wildcards; not in {@code $SYS})
 * @param payload the payload as {@code payloadEncoding} says: a string for {@code text} (UTF-8, the
 *     default) and {@code base64}, any JSON value for {@code json} (sent as compact JSON text); absent
 *     for an empty payload
 * @param qos 0 (default), 1 or 2
 * @param retain whether the broker keeps it as the topic's retained message (an empty payload clears it)
 * @param messageExpiryInterval MQTT 5 message expiry in seconds, or absent
 * @param correlationData MQTT 5 correlation data in base64, or absent
 */
public record PublishRequest(String topic, JsonNode payload, String payloadEncoding, Integer qos, Boolean retain,
                             String contentType, Long messageExpiryInterval, String responseTopic,
                             String correlationData, List<UserProperty> userProperties) {
}
