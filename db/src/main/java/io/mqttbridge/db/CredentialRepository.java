package io.mqttbridge.db;

import java.time.Duration;
import java.util.List;

/**
 * Device passwords, stored only as Argon2id hashes (PHC strings). Plain passwords pass through
 * here once and are never stored or logged.
 *
 * <p>Threading: thread-safe; every method blocks on JDBC, and {@link #setPassword}, {@link #rotate}
 * and {@link #verify} also spend tens of milliseconds of CPU on hashing: call them from a worker
 * thread, never from an event loop.
 */
public interface CredentialRepository {

    /** Length of generated passwords, in characters (about 190 bits of entropy). */
    int GENERATED_PASSWORD_LENGTH = 32;

    /**
     * Makes {@code password} the device's only password.
     *
     * @throws NoSuchDeviceException if the device does not exist
     * @throws IllegalArgumentException for an empty password
     */
    void setPassword(String deviceId, String password);

    /** Sets a new random password and returns it; the only time it can be read. */
    String generatePassword(String deviceId);

    /**
     * Adds {@code newPassword} and lets the current ones keep working for {@code grace} (zero:
     * they stop at once), so a fleet can switch without a window of refused connections.
     *
     * @throws NoSuchDeviceException if the device does not exist
     */
    void rotate(String deviceId, String newPassword, Duration grace);

    /** {@link #rotate} to a new random password, which is returned. */
    String rotateGenerated(String deviceId, Duration grace);

    /** Whether {@code password} matches a current (not expired) password of the device. */
    boolean verify(String deviceId, String password);

    /** The device's current credentials, newest first. */
    List<CredentialInfo> list(String deviceId);

    /** Removes every password of the device: it can no longer connect. @return how many were removed */
    int clear(String deviceId);
}
