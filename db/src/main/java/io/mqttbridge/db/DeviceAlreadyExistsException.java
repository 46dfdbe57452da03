package io.mqttbridge.db;

/** A device with this id already exists. */
public class DeviceAlreadyExistsException extends RuntimeException {

    private final String deviceId;

    public DeviceAlreadyExistsException(String deviceId, Throwable cause) {
        super("device '" + deviceId + "' already exists", cause);
        this.deviceId = deviceId;
    }

    public String deviceId() {
        return deviceId;
    }
}
