package io.mqttbridge.api.resources.model;

import java.util.List;

/**
 * The body of {@code POST /api/v1/devices/{id}/credentials/rotate}; may be empty.
 *
 * @param password the new password; absent (and no {@code scramCredentials}) to generate one
 * @param scramCredentials SCRAM verifiers of the new credential in RFC 5803 form, at most one per mechanism
 * @param graceSeconds how long the old passwords keep working (default 0: they stop at once)
 */
public record CredentialRotation(String password, Long graceSeconds, List<String> scramCredentials) {

    public CredentialRotation(String password, Long graceSeconds) {
        this(password, graceSeconds, null);
    }
}
