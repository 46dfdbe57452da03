package io.mqttbridge.api.resources.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * A retained message as the API shows it; the payload fields as in {@link MessageResponse}.
 *
 * @param expiresAt when its MQTT 5 message expiry ends; absent for never
 * @param payloadOmitted {@code true} when the payload was left out to keep the page within its payload
 *     budget (the next page starts after this one); absent otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RetainedMessageResponse(String topic, Instant receivedAt, Instant expiresAt, String clientId,
                                      String username, int qos, int payloadSize, String payloadEncoding,
                                      JsonNode payload, Boolean payloadOmitted) {
}
