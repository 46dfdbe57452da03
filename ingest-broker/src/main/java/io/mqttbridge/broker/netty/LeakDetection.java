package io.mqttbridge.broker.netty;

import java.util.Properties;

/**
 * Netty's buffer leak detection in a running broker: off, unless the operator asks for it.
 *
 * <p>Netty's default level samples one buffer allocation in 128 and records a stack trace for it
 * when it is allocated and again when it is released. At a steady 20,000 mirrored messages a second
 * that was about 500 stack traces a second on the event loops, 1-2 % of the bridge's CPU
 * (docs/BENCHMARKS.md, "Leak detection"). The tests keep Netty's default, and the protocol fuzz test
 * runs at the paranoid level, so a leak is found where it is cheap to find; a production process only
 * pays for it when started with {@code -Dio.netty.leakDetection.level=simple} (or advanced, paranoid).
 */
public final class LeakDetection {

    /** Netty's property for the level, and the older name it still reads. */
    static final String LEVEL_PROPERTY = "io.netty.leakDetection.level";
    static final String LEGACY_LEVEL_PROPERTY = "io.netty.leakDetectionLevel";
    static final String DISABLED = "disabled";

    private LeakDetection() {
    }

    /**
     * For a process's {@code main}, before anything uses Netty: turns leak detection off unless a
     * level was given on the command line.
     */
    public static void offUnlessConfigured() {
        offUnlessConfigured(System.getProperties());
    }

    /*
     * Through the property Netty reads when it first loads its leak detector, not through its API:
     * loading the detector here, before the application has configured logging, printed Netty's
     * DEBUG lines at the top of every start.
     */
    static void offUnlessConfigured(Properties systemProperties) {
        if (systemProperties.getProperty(LEVEL_PROPERTY) == null
                && systemProperties.getProperty(LEGACY_LEVEL_PROPERTY) == null) {
            systemProperties.setProperty(LEVEL_PROPERTY, DISABLED);
        }
    }
}
