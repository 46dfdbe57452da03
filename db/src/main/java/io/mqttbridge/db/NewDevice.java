package io.mqttbridge.db;

import java.util.Map;

/**
 * What is needed to create a device.
 *
 * @param id the device id (also its MQTT user name)
 * @param displayName a human name, or {@code null}
 * @param enabled whether it may connect
 * @param metadata a JSON object, or {@code null} for an empty one
 */
public record NewDevice(String id, String displayName, boolean enabled, Map<String, Object> metadata) {

    public NewDevice {
        Device.checkId(id);
        Device.checkDisplayName(displayName);
        StorableText.checkJson(metadata, "metadata");
        metadata = metadata == null ? Map.of() : metadata;
    }

    public static NewDevice of(String id) {
        return new NewDevice(id, null, true, Map.of());
    }
}
