package io.mqttbridge.broker.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.password4j.HashingFunction;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHashesTest {

    private static final byte[] PASSWORD = "pässword".getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest
    @ValueSource(strings = {"", "secret", "$2a$10$short", "$argon2id$v=19$m=1024,t=1,p=1$onlysalt",
            "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "$1$abc$def", "$e0801$notbase64!$x"})
    void unrecognisedValuesAreRejected(String value) {
        assertThatThrownBy(() -> PasswordHashes.functionFor(value)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void argon2idHashVerifiesOnlyItsPassword() {
        String hash = PasswordHashes.argon2id(PASSWORD, 1024, 1);
        HashingFunction function = PasswordHashes.functionFor(hash);

        assertThat(PasswordHashes.verify(function, PASSWORD, hash)).isTrue();
        assertThat(PasswordHashes.verify(function, "password".getBytes(StandardCharsets.UTF_8), hash)).isFalse();
    }

    @Test
    void dummyHashHasTheSameParametersAsItsModel() {
        String hash = PasswordHashes.argon2id(PASSWORD, 2048, 3);

        String dummy = PasswordHashes.dummyHashLike(PasswordHashes.functionFor(hash));

        assertThat(dummy).startsWith("$argon2id$v=19$m=2048,t=3,p=1$").isNotEqualTo(hash);
        assertThat(PasswordHashes.verify(PasswordHashes.functionFor(dummy), PASSWORD, dummy)).isFalse();
    }
}
