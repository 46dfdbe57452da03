package io.mqttbridge.kafka.embedded;

import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.utils.internals.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Kafka's server code from ending the JVM. On a fatal error (a full disk, an out-of-memory
 * while allocating the log cleaner's buffer, a lost controller) Kafka calls {@code Exit.halt} or
 * {@code Exit.exit}; in a test JVM, or in an application that would rather report the failure
 * through its health checks, that must not kill the process.
 *
 * <p>Installing replaces Kafka's exit and halt procedures for the whole JVM with ones that log the
 * attempt, remember it and throw {@link IllegalStateException} in the calling (Kafka) thread.
 */
public final class KafkaExitGuard {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaExitGuard.class);
    private static final AtomicReference<String> LAST_ATTEMPT = new AtomicReference<>();
    private static volatile boolean installed;

    private KafkaExitGuard() {
    }

    /** Idempotent; affects every Kafka component in this JVM. */
    public static void install() {
        installed = true;
        Exit.setExitProcedure((status, message) -> refuse("exit", status, message));
        Exit.setHaltProcedure((status, message) -> refuse("halt", status, message));
    }

    /** Restores Kafka's own procedures, which end the JVM. */
    public static void uninstall() {
        installed = false;
        Exit.resetExitProcedure();
        Exit.resetHaltProcedure();
    }

    /** Whether the guard is installed (then {@link KafkaHaltNotice} leaves it in place). */
    static boolean isInstalled() {
        return installed;
    }

    /** @return a description of the last exit or halt Kafka attempted since installing, or {@code null} */
    public static String lastAttempt() {
        return LAST_ATTEMPT.get();
    }

    private static void refuse(String kind, int status, String message) {
        String attempt = "Kafka tried to " + kind + " the JVM with status " + status + ": " + message;
        LAST_ATTEMPT.set(attempt);
        LOG.error("{} (refused)", attempt);
        throw new IllegalStateException(attempt);
    }
}
