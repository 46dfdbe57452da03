package io.mqttbridge.db.internal;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import java.security.SecureRandom;

/**
 * Argon2id password hashing (password4j), in PHC string form so that the parameters travel with
 * each hash and can be raised later without breaking stored ones.
 *
 * <p>Threading: thread-safe; each call costs tens of milliseconds of CPU.
 */
public final class PasswordHasher {

    /** OWASP's minimum recommendation for Argon2id: 19 MiB, 2 iterations, 1 lane. */
    private static final Argon2Function ARGON2ID = Argon2Function.getInstance(19_456, 2, 1, 32, Argon2.ID, 19);
    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Checked against when a device has no password, so that "unknown" costs as much as "wrong". */
    private static final String DUMMY_HASH = Password.hash("not-a-password").addRandomSalt(16).with(ARGON2ID).getResult();

    public String hash(String password) {
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("password must not be empty");
        }
        return Password.hash(password).addRandomSalt(16).with(ARGON2ID).getResult();
    }

    /** Whether {@code password} matches {@code hash}; false (never an exception) for a malformed hash. */
    public boolean matches(String password, String hash) {
        if (password == null || hash == null) {
            return false;
        }
        try {
            return Password.check(password, hash).with(Argon2Function.getInstanceFromHash(hash));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Spends the time of one check, for an identity that has nothing to check against. */
    public void burnOneCheck(String password) {
        matches(password == null ? "" : password, DUMMY_HASH);
    }

    /** A random password of {@code length} characters from an alphabet without look-alike letters. */
    public static String generate(int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(chars);
    }
}
