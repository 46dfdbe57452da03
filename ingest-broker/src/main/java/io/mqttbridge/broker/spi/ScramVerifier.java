package io.mqttbridge.broker.spi;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a server keeps of a SCRAM password (RFC 5802 section 3): salt, iteration count, StoredKey
 * and ServerKey. It lets the server check a client's proof and prove itself, but neither yields the
 * password nor lets anyone log in with it (the ClientKey it would take is not in it).
 *
 * <p>Text form, as in RFC 5803: {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>},
 * byte strings in base64; this is what the REST API accepts and the database stores.
 *
 * <p>Deriving one ({@link #derive}) runs PBKDF2: milliseconds of CPU per call; never on an event loop.
 */
public record ScramVerifier(ScramMechanism mechanism, byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {

    /** RFC 7677 asks for at least 4096 iterations. */
    public static final int MIN_ITERATIONS = 4096;
    /**
     * OWASP's recommendation for PBKDF2 with SHA-256, about 0.3 s of CPU here. Every login attempt
     * against the verifier, a wrong password's too, costs that many rounds on the node: a verifier of
     * two billion iterations let anyone who knew the device id occupy the node for minutes per try.
     */
    public static final int MAX_ITERATIONS = 600_000;
    /** Iterations of verifiers derived from a password the bridge was given. */
    public static final int DEFAULT_ITERATIONS = 4096;
    /** Bytes of salt of derived verifiers. */
    public static final int SALT_BYTES = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    public ScramVerifier {
        Objects.requireNonNull(mechanism, "mechanism");
        if (salt == null || salt.length == 0) {
            throw new IllegalArgumentException("salt must not be empty");
        }
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations must be between " + MIN_ITERATIONS + " and " + MAX_ITERATIONS
                    + ", was " + iterations);
        }
        if (storedKey == null || storedKey.length != mechanism.keyLength()
                || serverKey == null || serverKey.length != mechanism.keyLength()) {
            throw new IllegalArgumentException("StoredKey and ServerKey of " + mechanism.methodName() + " have "
                    + mechanism.keyLength() + " bytes");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    /** A verifier of {@code password} with a fresh random salt and {@link #DEFAULT_ITERATIONS}. */
    public static ScramVerifier derive(ScramMechanism mechanism, String password) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return derive(mechanism, password, salt, DEFAULT_ITERATIONS);
    }

    /**
     * The verifier of {@code password} (RFC 5802: SaltedPassword = Hi(password, salt, i), ClientKey =
     * HMAC(SaltedPassword, "Client Key"), StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword,
     * "Server Key")). The password is used as given (no SASLprep: device passwords are ASCII in practice,
     * and clients that normalise must send the same bytes).
     */
    public static ScramVerifier derive(ScramMechanism mechanism, String password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(mechanism, password, salt, iterations);
        byte[] clientKey = hmac(mechanism, salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] serverKey = hmac(mechanism, salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
        return new ScramVerifier(mechanism, salt, iterations, hash(mechanism, clientKey), serverKey);
    }

    /** Whether {@code password} is the one this verifier was derived from (runs PBKDF2). */
    public boolean matchesPassword(String password) {
        ScramVerifier candidate = derive(mechanism, password, salt, iterations);
        return MessageDigest.isEqual(candidate.storedKey, storedKey) && MessageDigest.isEqual(candidate.serverKey, serverKey);
    }

    /** Hi() of RFC 5802: PBKDF2 with HMAC of the mechanism's hash. */
    public static byte[] saltedPassword(ScramMechanism mechanism, String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, mechanism.keyLength() * 8);
        try {
            return SecretKeyFactory.getInstance(mechanism.pbkdf2()).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mechanism.pbkdf2() + " is part of every Java 17 runtime", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** HMAC() of RFC 5802 with the mechanism's hash. */
    public static byte[] hmac(ScramMechanism mechanism, byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(mechanism.hmac());
            mac.init(new SecretKeySpec(key, mechanism.hmac()));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mechanism.hmac() + " is part of every Java 17 runtime", e);
        }
    }

    /** H() of RFC 5802. */
    public static byte[] hash(ScramMechanism mechanism, byte[] data) {
        try {
            return MessageDigest.getInstance(mechanism.digest()).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(mechanism.digest() + " is part of every Java 17 runtime", e);
        }
    }

    /** The RFC 5803 text form. */
    public String format() {
        Base64.Encoder b64 = Base64.getEncoder();
        return mechanism.methodName() + "$" + iterations + ":" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    }

    /**
     * Reads the RFC 5803 text form.
     *
     * @throws IllegalArgumentException saying what is wrong (never echoing the keys)
     */
    public static ScramVerifier parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a SCRAM verifier must not be empty");
        }
        String[] parts = text.split("\\$", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("a SCRAM verifier has the form "
                    + "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>");
        }
        ScramMechanism mechanism = ScramMechanism.ofMethod(parts[0]).orElseThrow(() -> new IllegalArgumentException(
                "unknown SCRAM mechanism (SCRAM-SHA-256 or SCRAM-SHA-512)"));
        String[] iterationsAndSalt = parts[1].split(":", -1);
        String[] keys = parts[2].split(":", -1);
        if (iterationsAndSalt.length != 2 || keys.length != 2) {
            throw new IllegalArgumentException("a SCRAM verifier has the form "
                    + "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(iterationsAndSalt[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the iteration count of a SCRAM verifier is not a number");
        }
        Base64.Decoder b64 = Base64.getDecoder();
        try {
            return new ScramVerifier(mechanism, b64.decode(iterationsAndSalt[1]), iterations, b64.decode(keys[0]),
                    b64.decode(keys[1]));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Illegal base64")) {
                throw new IllegalArgumentException("salt and keys of a SCRAM verifier are base64");
            }
            throw e;
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ScramVerifier that && mechanism == that.mechanism && iterations == that.iterations
                && Arrays.equals(salt, that.salt) && Arrays.equals(storedKey, that.storedKey)
                && Arrays.equals(serverKey, that.serverKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(mechanism, iterations, Arrays.hashCode(salt), Arrays.hashCode(storedKey));
    }

    /** Never prints the keys. */
    @Override
    public String toString() {
        return "ScramVerifier[" + mechanism.methodName() + ", iterations=" + iterations + "]";
    }
}
