package io.mqttbridge.broker.auth.internal;

import com.password4j.Argon2Function;
import com.password4j.BcryptFunction;
import com.password4j.HashingFunction;
import com.password4j.Password;
import com.password4j.ScryptFunction;
import com.password4j.types.Argon2;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Recognises and verifies the password hash formats the configuration file accepts: argon2id in
 * PHC form ({@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}), bcrypt in modular crypt form
 * ({@code $2a$}, {@code $2b$}, {@code $2y$}) and scrypt in password4j's modular form
 * ({@code $<hex parameters>$salt$hash}). Anything else, plain text included, is rejected.
 *
 * <p>Thread-safe. Hashing and verifying are deliberately slow: never call them on an event loop.
 */
public final class PasswordHashes {

    /** OWASP's recommended argon2id parameters: 19 MiB, 2 iterations, 1 lane. */
    public static final int ARGON2_MEMORY_KIB = 19_456;
    public static final int ARGON2_ITERATIONS = 2;
    public static final int ARGON2_PARALLELISM = 1;
    public static final int ARGON2_OUTPUT_LENGTH = 32;
    public static final int SALT_BYTES = 16;

    private static final Pattern ARGON2ID = Pattern.compile(
            "^\\$argon2id\\$v=\\d+\\$m=\\d+,t=\\d+,p=\\d+\\$[A-Za-z0-9+/]+={0,2}\\$[A-Za-z0-9+/]+={0,2}$");
    private static final Pattern BCRYPT = Pattern.compile("^\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}$");
    private static final Pattern SCRYPT = Pattern.compile(
            "^\\$[0-9a-f]{5,}\\$[A-Za-z0-9+/]+={0,2}\\$[A-Za-z0-9+/]+={0,2}$");

    private PasswordHashes() {
    }

    /**
     * The hashing function that verifies {@code hash}.
     *
     * @throws IllegalArgumentException if {@code hash} is not a recognised argon2id, bcrypt or scrypt hash
     */
    public static HashingFunction functionFor(String hash) {
        if (hash == null || hash.isBlank()) {
            throw new IllegalArgumentException("no password hash given");
        }
        try {
            if (ARGON2ID.matcher(hash).matches()) {
                return Argon2Function.getInstanceFromHash(hash);
            }
            if (BCRYPT.matcher(hash).matches()) {
                return BcryptFunction.getInstanceFromHash(hash);
            }
            if (SCRYPT.matcher(hash).matches()) {
                return ScryptFunction.getInstanceFromHash(hash);
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed password hash parameters", e);
        }
        throw new IllegalArgumentException("not a recognised argon2id, bcrypt or scrypt hash");
    }

    /** Whether {@code password} matches {@code hash}; {@code function} must be {@code functionFor(hash)}. */
    public static boolean verify(HashingFunction function, byte[] password, String hash) {
        return function.check(password, hash.getBytes(StandardCharsets.UTF_8));
    }

    /** An argon2id hash of {@code password} (UTF-8) with a random salt and the recommended parameters. */
    public static String argon2id(byte[] password) {
        return argon2id(password, ARGON2_MEMORY_KIB, ARGON2_ITERATIONS);
    }

    /** An argon2id hash with chosen memory (KiB) and iterations; small values are for tests only. */
    public static String argon2id(byte[] password, int memoryKib, int iterations) {
        HashingFunction function = Argon2Function.getInstance(
                memoryKib, iterations, ARGON2_PARALLELISM, ARGON2_OUTPUT_LENGTH, Argon2.ID);
        return Password.hash(password).addRandomSalt(SALT_BYTES).with(function).getResult();
    }

    /**
     * A hash of a random secret with the same function (and so the same cost) as {@code function}:
     * verifying an unknown user against it takes as long as verifying a known one.
     */
    public static String dummyHashLike(HashingFunction function) {
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        if (function instanceof BcryptFunction) {
            return Password.hash(secret).with(function).getResult();
        }
        return Password.hash(secret).addRandomSalt(SALT_BYTES).with(function).getResult();
    }
}
