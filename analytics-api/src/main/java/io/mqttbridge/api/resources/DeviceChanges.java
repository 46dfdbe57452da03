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

    /** The device's stored state changed: the next connect must see it. */
    void changed(String deviceId);

    /**
     * The device was disabled or deleted: like {@link #changed}, and its connections to this
     * node's broker are closed.
     *
     * @return how many connections were closed
     */
    int revoked(String deviceId);
}
