package io.mqttbridge.db;

/**
 * How many sessions ended with one disconnect reason.
 *
 * @param reason the recorded reason, or {@code null} for sessions closed without one
 */
public record DisconnectReasonCount(String reason, long sessions) {
}
