package io.mqttbridge.api.resources.internal;

import io.mqttbridge.api.errors.ApiException;

import java.nio.charset.StandardCharsets;

/**
 * The check of a password set through the API (device creation, PATCH, rotation): one the device
 * can send. The password of an MQTT CONNECT is at most 65,535 bytes (MQTT 5 3.1.3.5, 3.1.1 3.1.3.5):
 * a longer one was stored, and the device could never log in with it.
 */
public final class DevicePasswords {

    public static final int MAX_BYTES = 65_535;

    private DevicePasswords() {
    }

    /**
     * @param password the password given, or {@code null} for none (nothing to check)
     * @param whenEmpty what the refusal of an empty password adds, e.g. how to have one generated
     */
    public static void check(String password, String whenEmpty) {
        if (password == null) {
            return;
        }
        if (password.isEmpty()) {
            throw ApiException.badRequest("password must not be empty" + whenEmpty);
        }
        // Up to 3 bytes a UTF-16 unit: only a long password needs encoding to be measured.
        if (password.length() * 3L > MAX_BYTES) {
            int bytes = password.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_BYTES) {
                throw ApiException.badRequest("password is " + bytes + " bytes in UTF-8; an MQTT CONNECT carries"
                        + " at most " + MAX_BYTES);
            }
        }
    }
}
