package io.mqttbridge.db;

import java.time.Instant;

/**
 * A retained message as the retained store holds it: the one message per topic that a new subscriber
 * gets first.
 *
 * @param payload the payload, or {@code null} when it was left out of a page to keep it within its
 *     payload budget ({@link #payloadSize} still says how large it is)
 * @param protocolVersion 3, 4 or 5, or {@code null} for a message the bridge injected (the downlink)
 * @param expiresAt when its MQTT 5 message expiry interval ends, or {@code null} for never
 */
public record RetainedMessage(String topic, byte[] payload, int payloadSize, int qos, String clientId,
                              String username, Integer protocolVersion, Instant receivedAt, Instant expiresAt) {
}
