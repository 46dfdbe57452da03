package io.mqttbridge.api.resources.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.mqttbridge.broker.spi.UserProperty;

import java.time.Instant;
import java.util.List;

/**
 * A stored MQTT message as the API shows it.
 *
 * @param payloadEncoding how {@link #payload} is written: {@code text} (a string), {@code base64}
 *     (a string) or {@code json} (the payload's JSON embedded as is). It is {@code base64} when
 *     the requested encoding cannot represent this payload (not UTF-8, not JSON).
 * @param contentType the MQTT 5 content type the publisher gave, or {@code null}
 * @param payloadOmitted {@code true} when the payload was left out to keep the answer within its
 *     payload budget (only {@code /messages/latest}; {@code payloadSize} still says how large it is),
 *     absent otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MessageResponse(long id, Instant receivedAt, String topic, String clientId, String username,
                              String nodeId, int qos, boolean retain, String contentType, int payloadSize,
                              String payloadEncoding, JsonNode payload, Boolean payloadOmitted,
                              List<UserProperty> userProperties,
                              KafkaPosition kafka) {

    /** Where the message is in Kafka. */
    public record KafkaPosition(String topic, int partition, long offset) {
    }
}
