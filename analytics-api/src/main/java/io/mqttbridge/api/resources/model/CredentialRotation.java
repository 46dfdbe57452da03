package io.mqttbridge.api.resources.model;

/**
 * The body of {@code POST /api/v1/devices/{id}/credentials/rotate}; may be empty.
 *
 * @param password the new password; absent to generate one
 * @param graceSeconds how long the old passwords keep working (default 0: they stop at once)
 */
public record CredentialRotation(String password, Long graceSeconds) {
}
