package io.mqttbridge.kafka.embedded;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.IntConsumer;
import org.apache.kafka.common.utils.internals.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a process that embeds Kafka says before Kafka halts it. On a fatal error of its own (every log
 * directory failed, e.g. on a full disk: a broker must not go on without them) Kafka halts the JVM at
 * once, without shutdown hooks, and the process that embeds it (the whole bridge: MQTT, REST, admin)
 * was gone without a line of its own. The halt stays, as Kafka's rule; before it, the reason, the data
 * directory and what to do are written to standard error (synchronous: an asynchronous log appender
 * would not be flushed by a halt) and to the log.
 *
 * <p>Leaves an installed {@link KafkaExitGuard} (tests) in place.
 */
public final class KafkaHaltNotice {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaHaltNotice.class);

    private KafkaHaltNotice() {
    }

    /** Installs the notice for the embedded Kafka keeping its data in {@code dataDirectory}. */
    public static void install(Path dataDirectory) {
        if (!KafkaExitGuard.isInstalled()) {
            Exit.setHaltProcedure(procedure(dataDirectory, System.err, Runtime.getRuntime()::halt));
        }
    }

    /** The halt procedure: the notice on {@code err} and in the log, then {@code halt}. */
    static Exit.Procedure procedure(Path dataDirectory, PrintStream err, IntConsumer halt) {
        return (status, message) -> {
            String notice = "The embedded Kafka is halting the process (status " + status + "): " + message
                    + ". If its data directory " + dataDirectory + " is full, free space there and start the"
                    + " bridge again (diskGuard refuses new MQTT messages before the disk is full, but Kafka's own"
                    + " writes and other programs can still fill it); nothing Kafka acknowledged is lost.";
            err.println(notice);
            err.flush();
            LOG.error(notice);
            halt.accept(status);
        };
    }
}
