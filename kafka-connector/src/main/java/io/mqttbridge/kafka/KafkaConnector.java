package io.mqttbridge.kafka;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.MessagePublisher;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.kafka.cluster.KafkaClusterFabric;
import io.mqttbridge.kafka.downlink.KafkaDownlink;
import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.events.KafkaSessionEventPublisher;
import io.mqttbridge.kafka.mirror.KafkaPublishSink;
import io.mqttbridge.kafka.mirror.MessageSizeLimits;
import io.mqttbridge.kafka.mirror.internal.StartupTopics;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector's parts, started from one {@link KafkaConnectorConfig} in dependency order: the
 * embedded Kafka (when no bootstrap servers are configured), the mirror ({@link #publishSink()})
 * and the session events ({@link #sessionListener()}) - both to hand to the broker -, then, once
 * the broker runs, the downlink ({@link #startDownlink}). {@link #close} stops them in reverse.
 *
 * <p>Threading: start and close block (Kafka starts and flushes) and must not run on an event loop.
 */
public final class KafkaConnector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaConnector.class);

    private final KafkaConnectorConfig config;
    private final MetricRegistry metrics;
    private final EmbeddedKafka embeddedKafka;
    private final String bootstrapServers;
    private final KafkaPublishSink publishSink;
    private final KafkaSessionEventPublisher sessionEvents;
    private final KafkaClusterFabric cluster;
    private KafkaDownlink downlink;

    private KafkaConnector(KafkaConnectorConfig config, MetricRegistry metrics, EmbeddedKafka embeddedKafka,
            String bootstrapServers, KafkaPublishSink publishSink, KafkaSessionEventPublisher sessionEvents,
            KafkaClusterFabric cluster) {
        this.cluster = cluster;
        this.config = config;
        this.metrics = metrics;
        this.embeddedKafka = embeddedKafka;
        this.bootstrapServers = bootstrapServers;
        this.publishSink = publishSink;
        this.sessionEvents = sessionEvents;
    }

    /**
     * Validates the configuration and starts the embedded Kafka (if configured so), the mirror and
     * the session events with their heartbeat. Kafka's record size limits that the connector controls
     * (the producers', the embedded broker's, those of the topics it creates) are raised in
     * {@code config} to admit a message of {@code maxPacketSize} ({@link MessageSizeLimits}).
     *
     * @param maxPacketSize the broker's largest MQTT packet ({@code broker.maxPacketSize})
     * @throws IllegalArgumentException naming the offending configuration key
     */
    public static KafkaConnector start(KafkaConnectorConfig config, int maxPacketSize, MetricRegistry metrics) {
        config.validate();
        MessageSizeLimits sizes = MessageSizeLimits.forPacketsUpTo(maxPacketSize);
        sizes.check(config.getProducer(), "producer");
        sizes.applyTo(config.getProducer());
        EmbeddedKafka embedded = null;
        if (config.usesEmbeddedKafka()) {
            sizes.applyTo(config.getEmbedded());
            embedded = EmbeddedKafka.start(config.getEmbedded());
        }
        String bootstrap = embedded != null ? embedded.bootstrapServers() : config.getBootstrapServers();
        KafkaPublishSink sink = null;
        try {
            StartupTopics.ensure(bootstrap, StartupTopics.fixedTopicsOf(config.getMirrorRules()),
                    otherTopicsKnownByName(config), sizes);
            sink = KafkaPublishSink.create(bootstrap, config.getMirrorRules(), config.reservedTopics(), config.getProducer(),
                    config.getNodeId(), metrics);
            KafkaSessionEventPublisher events = null;
            if (config.getSessionEvents().isEnabled()) {
                events = KafkaSessionEventPublisher.create(bootstrap, config.getProducer(), config.getSessionEvents(),
                        config.getNodeId(), metrics);
                events.start();
            }
            KafkaClusterFabric cluster = config.getCluster().isEnabled()
                    ? KafkaClusterFabric.create(bootstrap, config.getCluster(), config.getNodeId(), config.getProducer(), sizes,
                            metrics)
                    : null;
            LOG.info("Kafka connector started against {}{}{}", bootstrap, embedded != null ? " (embedded)" : "",
                    cluster != null ? ", clustered as node " + config.getNodeId() : "");
            return new KafkaConnector(config, metrics, embedded, bootstrap, sink, events, cluster);
        } catch (RuntimeException e) {
            if (sink != null) {
                sink.close();
            }
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    /** The session events and dead-letter topics: small records that Kafka's defaults admit. */
    private static Set<String> otherTopicsKnownByName(KafkaConnectorConfig config) {
        Set<String> topics = new LinkedHashSet<>();
        if (config.getSessionEvents().isEnabled()) {
            topics.add(config.getSessionEvents().getTopic());
        }
        if (config.getDownlink().isEnabled()) {
            topics.add(config.getDownlink().getDeadLetterTopic());
        }
        return topics;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The mirror, for the broker. */
    public PublishSink publishSink() {
        return publishSink;
    }

    /** The session event publisher, or {@link SessionListener#NONE} when session events are disabled. */
    public SessionListener sessionListener() {
        return sessionEvents == null ? SessionListener.NONE : sessionEvents;
    }

    /**
     * The cluster fabric for the broker (it joins the cluster when the broker starts), or
     * {@link ClusterFabric#SINGLE_NODE} when {@code cluster.enabled} is false.
     */
    public ClusterFabric clusterFabric() {
        return cluster == null ? ClusterFabric.SINGLE_NODE : cluster;
    }

    /** The Kafka cluster fabric, when clustering is enabled (for the REST API's cluster-wide views). */
    public java.util.Optional<KafkaClusterFabric> kafkaCluster() {
        return java.util.Optional.ofNullable(cluster);
    }

    /** Starts the downlink into {@code broker} if one is configured; call once the broker accepts messages. */
    public synchronized void startDownlink(MessagePublisher broker) {
        Objects.requireNonNull(broker, "broker");
        if (downlink != null || !config.getDownlink().isEnabled()) {
            return;
        }
        downlink = KafkaDownlink.create(bootstrapServers, config.getDownlink(), broker, metrics);
        downlink.start();
    }

    /**
     * Stops the downlink, if it runs, so that nothing more is handed to the broker; call before the
     * broker stops. {@link #close} does it too.
     */
    public synchronized void stopDownlink() {
        if (downlink != null) {
            downlink.close();
            downlink = null;
        }
    }

    /** Stops the downlink, flushes session events and the mirror, then stops the embedded Kafka. */
    @Override
    public synchronized void close() {
        stopDownlink();
        if (sessionEvents != null) {
            sessionEvents.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        publishSink.close();
        if (embeddedKafka != null) {
            embeddedKafka.close();
        }
    }
}
