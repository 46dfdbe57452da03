package io.mqttbridge.broker.auth;

import com.password4j.BcryptFunction;
import com.password4j.Password;
import com.password4j.ScryptFunction;
import io.mqttbridge.broker.auth.internal.PasswordHashes;

import java.nio.charset.StandardCharsets;

/** Cheap hashes for tests: the real cost parameters would make the suite slow. */
final class TestHashes {

    private TestHashes() {
    }

    static String argon2id(String password) {
        return PasswordHashes.argon2id(password.getBytes(StandardCharsets.UTF_8), 1024, 1);
    }

    static String bcrypt(String password) {
        return Password.hash(password).with(BcryptFunction.getInstance(4)).getResult();
    }

    static String scrypt(String password) {
        return Password.hash(password).addRandomSalt(16).with(ScryptFunction.getInstance(1024, 8, 1)).getResult();
    }
}
