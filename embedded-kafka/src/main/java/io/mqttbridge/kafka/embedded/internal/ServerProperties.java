package io.mqttbridge.kafka.embedded.internal;

import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import java.nio.file.Path;
import java.util.Properties;

/** The Kafka server properties of a single node that is both broker and KRaft controller. */
public final class ServerProperties {

    public static final String CONTROLLER_LISTENER = "CONTROLLER";

    /**
     * The log cleaner allocates this buffer on the heap at start; Kafka's 128 MiB default can fail a
     * small heap, and Kafka halts the JVM when it does.
     */
    static final String DEDUPE_BUFFER_BYTES = String.valueOf(4 * 1024 * 1024);

    /** Far above what the bridge's nodes open (a few producers and consumers each). */
    static final String MAX_CONNECTIONS = "1000";

    private ServerProperties() {
    }

    public static Properties of(EmbeddedKafkaConfig config, Path logDirectory, int brokerPort, int controllerPort) {
        String host = config.getHost();
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", String.valueOf(config.getNodeId()));
        p.setProperty("controller.quorum.voters", config.getNodeId() + "@" + host + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + host + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
        p.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.setProperty("log.dirs", logDirectory.toAbsolutePath().toString());
        // One node: every internal topic must live with a single replica.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "5");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("default.replication.factor", "1");
        p.setProperty("min.insync.replicas", "1");
        p.setProperty("num.partitions", "1");
        p.setProperty("auto.create.topics.enable", "true");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("log.cleaner.dedupe.buffer.size", DEDUPE_BUFFER_BYTES);
        // Every connection is a file descriptor of the process the bridge shares with it: a flood of them
        // must not leave Kafka unable to open its own log files (it halts when a flush cannot).
        p.setProperty("max.connections", MAX_CONNECTIONS);
        config.getOverrides().forEach(p::setProperty);
        return p;
    }
}
