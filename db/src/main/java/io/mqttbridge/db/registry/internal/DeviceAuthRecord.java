package io.mqttbridge.db.registry.internal;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.ScramMechanism;
import io.mqttbridge.broker.spi.ScramVerifier;
import java.time.Instant;
import java.util.List;

/**
 * What the registry caches per device: enough to authenticate and authorize it without the database.
 *
 * @param credentials the current credentials, newest first, each with its expiry ({@code null}: none)
 */
public record DeviceAuthRecord(String deviceId, boolean enabled, List<Credential> credentials, List<AclRule> rules) {

    /**
     * @param hash the Argon2id hash, or {@code null} for a credential given as SCRAM verifiers only
     * @param scramSha256 the SCRAM-SHA-256 verifier, or {@code null}
     * @param scramSha512 the SCRAM-SHA-512 verifier, or {@code null}
     */
    public record Credential(String hash, Instant expiresAt, ScramVerifier scramSha256, ScramVerifier scramSha512) {

        public Credential(String hash, Instant expiresAt) {
            this(hash, expiresAt, null, null);
        }

        public boolean isValidAt(Instant now) {
            return expiresAt == null || expiresAt.isAfter(now);
        }

        /** The verifier of {@code mechanism}, or {@code null}. */
        public ScramVerifier scram(ScramMechanism mechanism) {
            return mechanism == ScramMechanism.SHA_256 ? scramSha256 : scramSha512;
        }
    }

    public DeviceAuthRecord {
        credentials = List.copyOf(credentials);
        rules = List.copyOf(rules);
    }
}
