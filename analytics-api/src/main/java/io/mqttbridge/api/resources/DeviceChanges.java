package io.mqttbridge.api.resources;

/**
 * What must follow a change to a device through the API, outside the database: caches that hold
 * the device's authentication and permissions, and live connections of a device that may no
 * longer connect.
 *
 * <p>Threading: called from request threads after the database change committed; must be
 * thread-safe and must not block for long.
 */
public interface DeviceChanges {

    /** Nothing to do: for processes without a broker or a registry cache. */
    DeviceChanges NONE = new DeviceChanges() {
        @Override
        public void changed(String deviceId) {
        }

        @Override
        public int revoked(String deviceId) {
            return 0;
        }
    };

    /**
     * The device's stored state changed: the next connect must see it, and its sessions on this
     * node get its new permissions at once (subscriptions no longer allowed are removed).
     */
    void changed(String deviceId);

    /**
     * The device was disabled or deleted: like {@link #changed}, its connections to this node's
     * broker are closed and the sessions it owns there end (stored subscriptions included).
     *
     * @return how many connections were closed
     */
    int revoked(String deviceId);

    /**
     * The device got new credentials; the old ones stay valid for {@code grace}: like
     * {@link #changed}, and connections made before the rotation end when the grace runs out.
     */
    default void credentialsRotated(String deviceId, java.time.Duration grace) {
        changed(deviceId);
    }
}
