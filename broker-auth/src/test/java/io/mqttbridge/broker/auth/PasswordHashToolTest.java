package io.mqttbridge.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.auth.internal.PasswordHashes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PasswordHashToolTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin) {
        return PasswordHashTool.run(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void printsAnArgon2idHashOfTheLineOnStandardInput() {
        int code = run("s3cret pässword\n");

        String hash = out.toString(StandardCharsets.UTF_8).trim();
        assertThat(code).isZero();
        assertThat(hash).startsWith("$argon2id$v=19$m=" + PasswordHashes.ARGON2_MEMORY_KIB + ",t=2,p=1$");
        byte[] password = "s3cret pässword".getBytes(StandardCharsets.UTF_8);
        assertThat(PasswordHashes.verify(PasswordHashes.functionFor(hash), password, hash)).isTrue();
        assertThat(PasswordHashes.verify(PasswordHashes.functionFor(hash), "s3cret pässword\n".getBytes(StandardCharsets.UTF_8), hash))
                .as("the trailing line break is not part of the password").isFalse();
    }

    @Test
    void emptyInputIsAnErrorWithUsage() {
        int code = run("\n");

        assertThat(code).isEqualTo(2);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no password");
    }

    @Test
    void passwordOverTheMqttLimitIsAnError() {
        int code = run("x".repeat(PasswordHashTool.MAX_PASSWORD_BYTES + 1));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("longer than");
    }
}
