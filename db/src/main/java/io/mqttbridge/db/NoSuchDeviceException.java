package io.mqttbridge.db;

/** The operation needs a device that does not exist. */
public class NoSuchDeviceException extends RuntimeException {

    private final String deviceId;

    public NoSuchDeviceException(String deviceId) {
        super("no device '" + deviceId + "'");
        this.deviceId = deviceId;
    }

    public String deviceId() {
        return deviceId;
    }
}
