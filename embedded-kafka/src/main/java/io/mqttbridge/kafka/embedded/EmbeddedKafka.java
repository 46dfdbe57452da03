package io.mqttbridge.kafka.embedded;

import io.mqttbridge.kafka.embedded.internal.FreePorts;
import io.mqttbridge.kafka.embedded.internal.KafkaStorage;
import io.mqttbridge.kafka.embedded.internal.ServerProperties;
import io.mqttbridge.kafka.embedded.internal.UniformBrokerHistograms;
import java.net.BindException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (broker and controller in one node) running inside this JVM, for
 * development and tests, and for production setups without a Kafka cluster.
 *
 * <p>{@link #start} formats the data directory on first use and reuses it afterwards: the cluster
 * id is read back from Kafka's {@code meta.properties}, so topics and records survive a restart.
 * Ports configured as 0 are picked anew at every start; if another process takes one between
 * picking and binding, the start is retried with fresh ports.
 *
 * <p>Threading: {@link #start} and {@link #close} block (about 2 s for a first start, well under
 * a second to stop) and must not be called on an event loop. Instances are not reusable after
 * {@link #close}; start a new one on the same directory instead.
 *
 * <p>Kafka halts the JVM on fatal errors; use {@link KafkaExitGuard} where that is unwanted.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final String clusterId;
    private final Path dataDirectory;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers, String clusterId, Path dataDirectory) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.clusterId = clusterId;
        this.dataDirectory = dataDirectory;
    }

    /**
     * Formats (if needed) and starts a broker; returns once it accepts clients.
     *
     * @throws IllegalArgumentException for an invalid configuration
     * @throws IllegalStateException when Kafka fails to start
     */
    public static EmbeddedKafka start(EmbeddedKafkaConfig config) {
        Objects.requireNonNull(config, "config");
        config.validate("embedded");
        Path logDirectory = Path.of(config.getDataDirectory()).toAbsolutePath().normalize();
        KafkaHaltNotice.install(logDirectory);
        // Before the broker registers its request metrics: their decaying reservoirs were the objects
        // every young collection of a bridge that embeds its Kafka copied most.
        UniformBrokerHistograms.install();
        RuntimeException lastFailure = null;
        for (int attempt = 1; attempt <= config.getStartupAttempts(); attempt++) {
            int brokerPort = config.getPort() == 0 ? FreePorts.pick(config.getHost()) : config.getPort();
            // The controller port goes into the quorum voters, which must be known before formatting.
            int controllerPort = FreePorts.pick(config.getHost());
            Properties properties = ServerProperties.of(config, logDirectory, brokerPort, controllerPort);
            String clusterId = KafkaStorage.formatIfNeeded(logDirectory, config.getNodeId(), ServerProperties.CONTROLLER_LISTENER);
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
            try {
                server.startup();
                String bootstrap = config.getHost() + ":" + brokerPort;
                LOG.info("Embedded Kafka {} (cluster {}) started on {} with data in {}",
                        config.getNodeId(), clusterId, bootstrap, logDirectory);
                return new EmbeddedKafka(server, bootstrap, clusterId, logDirectory);
            } catch (RuntimeException e) {
                stopQuietly(server);
                lastFailure = e;
                if (!isBindFailure(e) || attempt == config.getStartupAttempts()) {
                    break;
                }
                LOG.warn("Embedded Kafka could not bind port {} or {} (another process took it); retrying",
                        brokerPort, controllerPort);
            }
        }
        throw new IllegalStateException("embedded Kafka failed to start with data in " + logDirectory, lastFailure);
    }

    /** @return {@code host:port} of the PLAINTEXT listener, for {@code bootstrap.servers} */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String clusterId() {
        return clusterId;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Stops the broker and waits until all of its threads are done. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Embedded Kafka on {} stopped", bootstrapServers);
    }

    private static boolean isBindFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("failed to bind")) {
                return true;
            }
        }
        return false;
    }

    private static void stopQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.debug("Shutting down a Kafka that failed to start also failed", e);
        }
    }
}
