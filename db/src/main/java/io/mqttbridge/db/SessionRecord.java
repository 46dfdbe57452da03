package io.mqttbridge.db;

import java.time.Instant;
import java.util.UUID;

/**
 * One connection of one client, from its {@code connected} to its {@code disconnected} session
 * event. Fields the events did not carry are {@code null}.
 *
 * @param protocolVersion the MQTT protocol level: 3, 4 (3.1.1) or 5
 * @param disconnectReason a reason such as {@code client_disconnect}, {@code connection_lost} or
 *     {@value #NODE_LOST}; {@code null} while connected
 */
public record SessionRecord(
        UUID connectionId,
        String clientId,
        String username,
        String deviceId,
        String nodeId,
        String remoteAddress,
        Integer protocolVersion,
        Boolean cleanStart,
        Integer keepAliveSeconds,
        Long sessionExpirySeconds,
        Instant connectedAt,
        Instant disconnectedAt,
        String disconnectReason,
        Integer reasonCode,
        Boolean willPublished) {

    /** The reason recorded for sessions closed because their broker node stopped sending heartbeats. */
    public static final String NODE_LOST = "node_lost";
    /** Closed because its broker node started again: a restarted node has none of its earlier connections. */
    public static final String NODE_RESTARTED = "node_restarted";

    public boolean isConnected() {
        return disconnectedAt == null;
    }
}
