package io.mqttbridge.db.registry;

import java.time.Instant;
import java.util.Objects;

/**
 * One committed change of a device, as announced on the PostgreSQL channel {@value #CHANNEL}.
 *
 * @param deviceId the device
 * @param kind what changed
 * @param at the changing transaction's time
 * @param until for {@link Kind#CREDENTIALS}: when connections authenticated before {@code at} must
 *     end (a rotation's grace end, or {@code at} when a current credential was removed); {@code null}
 *     when a credential was only added
 */
public record DeviceChange(String deviceId, Kind kind, Instant at, Instant until) {

    /** The notification channel the database's triggers write to. */
    public static final String CHANNEL = "device_changes";

    public enum Kind {
        DELETED, DISABLED, ENABLED, ACL, CREDENTIALS
    }

    public DeviceChange {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(at, "at");
    }
}
