package io.mqttbridge.db;

import java.time.Instant;
import java.util.List;

/**
 * What may be shown about a stored credential: never the hash.
 *
 * @param id the credential's id
 * @param createdAt when it was set
 * @param expiresAt when it stops working (an old password during a rotation's grace period), or
 *     {@code null} if it does not expire
 * @param kinds how it can be used: {@code password} and/or the SCRAM mechanisms it has a verifier for
 *     ({@code SCRAM-SHA-256}, {@code SCRAM-SHA-512})
 */
public record CredentialInfo(long id, Instant createdAt, Instant expiresAt, List<String> kinds) {

    /** {@link #kinds} entry of a credential with a password hash. */
    public static final String PASSWORD = "password";

    public CredentialInfo {
        kinds = List.copyOf(kinds);
    }

    /** A password credential (no SCRAM verifiers). */
    public CredentialInfo(long id, Instant createdAt, Instant expiresAt) {
        this(id, createdAt, expiresAt, List.of(PASSWORD));
    }
}
