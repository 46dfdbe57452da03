package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.auth.internal.PasswordHashes;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * Prints an argon2id hash for the {@code passwordHash} of a {@link FileAuthUser}. Reads the password
 * from standard input (one trailing line break is dropped, so {@code echo} works), never from the
 * command line, where it would show in the process list and shell history:
 *
 * <pre>{@code
 * printf '%s' 's3cret' | java -cp ingest-broker.jar io.mqttbridge.broker.auth.PasswordHashTool
 * }</pre>
 */
public final class PasswordHashTool {

    static final int MAX_PASSWORD_BYTES = 65_535;

    private PasswordHashTool() {
    }

    public static void main(String[] args) {
        System.exit(run(System.in, System.out, System.err));
    }

    /** @return the process exit code: 0 when a hash was printed */
    static int run(InputStream in, PrintStream out, PrintStream err) {
        byte[] input;
        try {
            input = in.readNBytes(MAX_PASSWORD_BYTES + 3);
        } catch (IOException e) {
            err.println("cannot read the password from standard input: " + e.getMessage());
            return 1;
        }
        byte[] password = withoutTrailingLineBreak(input);
        Arrays.fill(input, (byte) 0);
        try {
            if (password.length == 0) {
                err.println("no password on standard input (usage: printf '%s' PASSWORD | PasswordHashTool)");
                return 2;
            }
            if (password.length > MAX_PASSWORD_BYTES) {
                err.println("password longer than " + MAX_PASSWORD_BYTES + " bytes (the MQTT limit)");
                return 2;
            }
            out.println(PasswordHashes.argon2id(password));
            return 0;
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    private static byte[] withoutTrailingLineBreak(byte[] input) {
        int end = input.length;
        if (end > 0 && input[end - 1] == '\n') {
            end--;
            if (end > 0 && input[end - 1] == '\r') {
                end--;
            }
        }
        return Arrays.copyOf(input, end);
    }
}
