package io.mqttbridge.db.registry.internal;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.ScramVerifier;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Reads a device's {@link DeviceAuthRecord} in one short transaction. Blocks on JDBC. */
public final class DeviceAuthLoader {

    private final Jdbi jdbi;

    public DeviceAuthLoader(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** @return empty when there is no such device */
    public Optional<DeviceAuthRecord> load(String deviceId) {
        return jdbi.inTransaction(h -> {
            Optional<Boolean> enabled = h.createQuery("SELECT enabled FROM devices WHERE id = :d")
                    .bind("d", deviceId).mapTo(Boolean.class).findOne();
            if (enabled.isEmpty()) {
                return Optional.empty();
            }
            List<DeviceAuthRecord.Credential> credentials = h.createQuery("SELECT password_hash, expires_at, "
                            + "scram_sha256, scram_sha512 FROM device_credentials "
                            + "WHERE device_id = :d AND (expires_at IS NULL OR expires_at > now()) "
                            + "ORDER BY created_at DESC, id DESC")
                    .bind("d", deviceId)
                    .map((rs, ctx) -> {
                        OffsetDateTime expires = rs.getObject("expires_at", OffsetDateTime.class);
                        return new DeviceAuthRecord.Credential(rs.getString("password_hash"),
                                expires == null ? null : expires.toInstant(), verifier(rs.getString("scram_sha256")),
                                verifier(rs.getString("scram_sha512")));
                    })
                    .list();
            List<AclRule> rules = h.createQuery("SELECT permission, action, topic_filter FROM device_acl_rules "
                            + "WHERE device_id = :d ORDER BY ordinal")
                    .bind("d", deviceId)
                    .map((rs, ctx) -> new AclRule(
                            AclRule.Permission.valueOf(rs.getString("permission").toUpperCase(Locale.ROOT)),
                            AclRule.parseAction(rs.getString("action")),
                            rs.getString("topic_filter")))
                    .list();
            return Optional.of(new DeviceAuthRecord(deviceId, enabled.get(), credentials, rules));
        });
    }

    private static ScramVerifier verifier(String stored) {
        return stored == null ? null : ScramVerifier.parse(stored);
    }
}
