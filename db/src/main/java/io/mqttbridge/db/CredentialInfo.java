package io.mqttbridge.db;

import java.time.Instant;

/**
 * What may be shown about a stored credential: never the hash.
 *
 * @param id the credential's id
 * @param createdAt when it was set
 * @param expiresAt when it stops working (an old password during a rotation's grace period), or
 *     {@code null} if it does not expire
 */
public record CredentialInfo(long id, Instant createdAt, Instant expiresAt) {
}
