package io.mqttbridge.db.registry.internal;

import io.mqttbridge.broker.spi.AclRule;
import java.time.Instant;
import java.util.List;

/**
 * What the registry caches per device: enough to authenticate and authorize it without the database.
 *
 * @param credentials the current password hashes, each with its expiry ({@code null}: none)
 */
public record DeviceAuthRecord(String deviceId, boolean enabled, List<Credential> credentials, List<AclRule> rules) {

    public record Credential(String hash, Instant expiresAt) {
        public boolean isValidAt(Instant now) {
            return expiresAt == null || expiresAt.isAfter(now);
        }
    }

    public DeviceAuthRecord {
        credentials = List.copyOf(credentials);
        rules = List.copyOf(rules);
    }
}
