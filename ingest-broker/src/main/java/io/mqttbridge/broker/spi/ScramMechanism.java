package io.mqttbridge.broker.spi;

import java.util.Optional;

/**
 * The SCRAM mechanisms (RFC 5802, RFC 7677) the broker offers as MQTT 5 authentication methods,
 * with the JDK algorithm names each one needs.
 */
public enum ScramMechanism {

    SHA_256("SCRAM-SHA-256", "SHA-256", "HmacSHA256", "PBKDF2WithHmacSHA256", 32),
    SHA_512("SCRAM-SHA-512", "SHA-512", "HmacSHA512", "PBKDF2WithHmacSHA512", 64);

    private final String methodName;
    private final String digest;
    private final String hmac;
    private final String pbkdf2;
    private final int keyLength;

    ScramMechanism(String methodName, String digest, String hmac, String pbkdf2, int keyLength) {
        this.methodName = methodName;
        this.digest = digest;
        this.hmac = hmac;
        this.pbkdf2 = pbkdf2;
        this.keyLength = keyLength;
    }

    /** The MQTT 5 Authentication Method, which is also the SASL mechanism name. */
    public String methodName() {
        return methodName;
    }

    /** JDK {@code MessageDigest} name of H(). */
    public String digest() {
        return digest;
    }

    /** JDK {@code Mac} name of HMAC(). */
    public String hmac() {
        return hmac;
    }

    /** JDK {@code SecretKeyFactory} name of Hi(). */
    public String pbkdf2() {
        return pbkdf2;
    }

    /** Length of the hash output, in bytes. */
    public int keyLength() {
        return keyLength;
    }

    /** The mechanism of an Authentication Method, compared exactly (SASL names are upper case). */
    public static Optional<ScramMechanism> ofMethod(String method) {
        for (ScramMechanism mechanism : values()) {
            if (mechanism.methodName.equals(method)) {
                return Optional.of(mechanism);
            }
        }
        return Optional.empty();
    }
}
