package io.mqttbridge.api.resources.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * The answer to a credential rotation.
 *
 * @param generatedPassword the new generated password, shown this once; absent when the request gave one
 * @param previousValidUntil until when the previous passwords still work
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RotatedCredentials(String deviceId, String generatedPassword, Instant previousValidUntil) {
}
