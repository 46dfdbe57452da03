package io.mqttbridge.testing.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a system tool (iptables, mount, ip) for a test's set-up and says what went wrong, if anything. */
public final class SystemCommand {

    private static final long TIMEOUT_SECONDS = 10;

    private SystemCommand() {
    }

    /** @return {@code null} when the command ended with 0 within 10 s, else what it said (its exit code and output) */
    public static String problemOf(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "did not finish within " + TIMEOUT_SECONDS + " s";
            }
            return process.exitValue() == 0 ? null : "exit " + process.exitValue() + ": " + output;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Runs {@code command}; fails naming it and what it said unless it succeeded. */
    public static void run(List<String> command) {
        String problem = problemOf(command);
        if (problem != null) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + problem);
        }
    }
}
