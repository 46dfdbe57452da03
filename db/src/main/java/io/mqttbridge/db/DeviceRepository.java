package io.mqttbridge.db;

import java.util.Map;
import java.util.Optional;

/**
 * The device table. Changing a device through here does not reach caches by itself: callers that
 * change a device also call {@code DeviceRegistry.invalidate(deviceId)}.
 *
 * <p>Threading: thread-safe; every method blocks on JDBC, so never call from an event loop. Errors
 * reaching the database surface as Jdbi's unchecked exceptions.
 */
public interface DeviceRepository {

    /** @throws DeviceAlreadyExistsException if the id is taken */
    Device create(NewDevice device);

    Optional<Device> find(String id);

    /** A page of devices ordered by id; the cursor is opaque. */
    Page<Device> list(DeviceQuery query);

    /**
     * @return the changed device, or empty if there is no such device
     * @throws IllegalArgumentException if {@code displayName} is not {@link io.mqttbridge.db.StorableText storable}
     */
    Optional<Device> setDisplayName(String id, String displayName);

    /** @return the changed device, or empty if there is no such device */
    Optional<Device> setEnabled(String id, boolean enabled);

    /**
     * Replaces the whole metadata object. @return the changed device, or empty if none
     * @throws IllegalArgumentException if a key or string of it is not {@link io.mqttbridge.db.StorableText storable}
     */
    Optional<Device> replaceMetadata(String id, Map<String, Object> metadata);

    /**
     * Sets the given top-level keys, keeping the others. @return the changed device, or empty if none
     * @throws IllegalArgumentException as {@link #replaceMetadata}
     */
    Optional<Device> mergeMetadata(String id, Map<String, Object> metadata);

    /** Deletes the device with its credentials and ACL rules; its session and message history stay. */
    boolean delete(String id);
}
