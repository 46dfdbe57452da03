package io.mqttbridge.db;

import io.mqttbridge.broker.spi.ScramVerifier;
import java.time.Duration;
import java.util.List;

/**
 * Device credentials: passwords stored only as Argon2id hashes (PHC strings), each with SCRAM
 * verifiers of both mechanisms derived from it (so a device with a password can log in with the
 * password or with MQTT 5 SCRAM), and credentials given as SCRAM verifiers only (SCRAM, or a
 * password login checked against the verifier). Plain passwords pass through here once and are
 * never stored or logged.
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

    /**
     * Makes one credential the device's only one: a password (with derived SCRAM verifiers), SCRAM
     * verifiers, or both (a given verifier replaces the derived one of its mechanism).
     *
     * @param password the password, or {@code null} for verifiers only
     * @param verifiers SCRAM verifiers, at most one per mechanism
     * @throws NoSuchDeviceException if the device does not exist
     * @throws IllegalArgumentException when neither is given, the password is empty or a mechanism repeats
     */
    void setCredential(String deviceId, String password, List<ScramVerifier> verifiers);

    /** {@link #rotate} to a credential as in {@link #setCredential}. */
    void rotateCredential(String deviceId, String password, List<ScramVerifier> verifiers, Duration grace);

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
