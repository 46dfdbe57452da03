package io.mqttbridge.loadtool;

import com.sun.management.UnixOperatingSystemMXBean;
import io.mqttbridge.loadtool.client.Transport;
import io.mqttbridge.loadtool.scenario.ConnectionRun;
import io.mqttbridge.loadtool.scenario.KafkaProducerRun;
import io.mqttbridge.loadtool.scenario.MessagingRun;
import io.mqttbridge.loadtool.scenario.ReconnectStormRun;
import io.netty.util.ResourceLeakDetector;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The load generator's command line. Prints one line of JSON (the {@link ScenarioResult}) on
 * standard output, followed by a human summary on standard error, and exits with 0 when the run met
 * its integrity bar, 3 when it did not (loss, duplicates, failed connects), 2 for bad options and 1
 * when the run could not be carried out.
 */
@Command(name = "load-tool", mixinStandardHelpOptions = true, sortOptions = false,
        description = "MQTT load generator for brokers on the loopback interface.")
public final class LoadTool implements Callable<Integer> {

    static final int EXIT_OK = 0;
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_INTEGRITY = 3;

    @Mixin
    private LoadOptions options = new LoadOptions();

    private PrintStream out = System.out;
    private PrintStream err = System.err;

    public static void main(String[] args) {
        // The tool shares the cores with the broker it measures: no stack trace per sampled buffer
        // (Netty's default leak detection) unless asked for with -Dio.netty.leakDetection.level.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        System.exit(execute(args, System.out, System.err));
    }

    static int execute(String[] args, PrintStream out, PrintStream err) {
        LoadTool tool = new LoadTool();
        tool.out = out;
        tool.err = err;
        CommandLine commandLine = new CommandLine(tool);
        commandLine.setOut(new java.io.PrintWriter(out, true));
        commandLine.setErr(new java.io.PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Override
    public Integer call() {
        try {
            options.validate(maxFileDescriptors());
        } catch (IllegalArgumentException e) {
            err.println("load-tool: " + e.getMessage());
            return EXIT_USAGE;
        }
        try {
            ScenarioResult result = run(options);
            out.println(result.toJson());
            out.flush();
            err.print(result.summary());
            return result.ok ? EXIT_OK : EXIT_INTEGRITY;
        } catch (IllegalStateException | IllegalArgumentException e) {
            err.println("load-tool: " + e.getMessage());
            return EXIT_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("load-tool: interrupted");
            return EXIT_ERROR;
        }
    }

    /** Runs one scenario with validated options. */
    public static ScenarioResult run(LoadOptions options) throws InterruptedException {
        String runId = "lt" + HexFormat.of().formatHex(new SecureRandom().generateSeed(3));
        Instant startedAt = Instant.now();
        try (Transport transport = new Transport(options.ioThreads())) {
            ScenarioResult result = switch (options.scenario()) {
                case FAN_IN, ONE_TO_ONE, FAN_OUT -> new MessagingRun(options, transport, runId).run();
                case CONNECT_STORM, IDLE_CONNECTIONS -> new ConnectionRun(options, transport, runId).run();
                case RECONNECT_STORM -> new ReconnectStormRun(options, transport, runId).run();
                case KAFKA_PRODUCER -> new KafkaProducerRun(options).run();
            };
            result.startedAt = startedAt.toString();
            result.label = options.label();
            result.caseName = options.caseName();
            result.transport = transport.isEpoll() ? "epoll" : "nio";
            result.ioThreads = options.ioThreads();
            return result;
        }
    }

    static long maxFileDescriptors() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return Long.MAX_VALUE;
    }
}
