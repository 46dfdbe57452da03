package io.mqttbridge.kafka.events;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.kafka.events.internal.SessionEventJson;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the broker's session events (connected, disconnected, subscribed, unsubscribed) as
 * JSON to a Kafka topic, keyed by client id, and a {@code heartbeat} event per node (keyed by the
 * node id) every {@link SessionEventsConfig#getHeartbeatIntervalMs()} once {@link #start started},
 * so that readers can close the sessions of nodes that died.
 *
 * <p>Threading: the listener methods are called on connection event loops; they only take the
 * time and hand the (immutable) facts to one sender thread, which writes the JSON and sends it,
 * since {@code producer.send} may block on metadata. Writing the JSON on the event loop cost about
 * a third of the event loop's time in a connect storm (docs/BENCHMARKS.md, "Connect path").
 * One thread keeps each connection's events in order. When more than
 * {@link SessionEventsConfig#getMaxQueuedEvents()} wait, further events are dropped and counted
 * ({@code kafka.session-events.dropped}) rather than block the broker or grow without bound;
 * events are a history, not a delivery promise to devices. An event Kafka did not take in time (an
 * outage longer than the producer's delivery timeout) is queued again, within the same bound
 * ({@code kafka.session-events.retried}): a lost connect left a session out of the history and a lost
 * disconnect left one connected there for ever. The history's rows do not depend on the events'
 * order. Heartbeats are not sent again: the next one supersedes them.
 */
public final class KafkaSessionEventPublisher implements SessionListener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSessionEventPublisher.class);

    private final String topic;
    private final byte[] nodeKey;
    private final long heartbeatIntervalMs;
    private final Producer<byte[], byte[]> producer;
    private final SessionEventJson json;
    private final Clock clock;
    private final ThreadPoolExecutor sender;
    private final ScheduledExecutorService heartbeat;
    private final Meter published;
    private final Meter failed;
    private final Meter dropped;
    private final Meter retried;

    /** @param producer the publisher owns and closes it */
    public KafkaSessionEventPublisher(SessionEventsConfig config, String nodeId, Producer<byte[], byte[]> producer,
            ObjectMapper mapper, MetricRegistry metrics, Clock clock) {
        config.validate("sessionEvents");
        Objects.requireNonNull(nodeId, "nodeId");
        this.topic = config.getTopic();
        this.nodeKey = nodeId.getBytes(UTF_8);
        this.heartbeatIntervalMs = config.getHeartbeatIntervalMs();
        this.producer = producer;
        this.json = new SessionEventJson(mapper, nodeId);
        this.clock = clock;
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.getMaxQueuedEvents()), r -> daemon(r, "kafka-session-events"));
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kafka-session-heartbeat"));
        this.published = metrics.meter("kafka.session-events.published");
        this.failed = metrics.meter("kafka.session-events.failed");
        this.dropped = metrics.meter("kafka.session-events.dropped");
        this.retried = metrics.meter("kafka.session-events.retried");
    }

    /** Creates the publisher with a producer of its own, built from {@code settings}. */
    public static KafkaSessionEventPublisher create(String bootstrapServers, ProducerSettings settings,
            SessionEventsConfig config, String nodeId, MetricRegistry metrics) {
        config.validate("sessionEvents");
        settings.validate("producer");
        return new KafkaSessionEventPublisher(config, nodeId,
                new KafkaProducer<>(settings.toProperties(bootstrapServers, "mqtt-session-events-" + nodeId)),
                new ObjectMapper(), metrics, Clock.systemUTC());
    }

    /** Starts the heartbeat: one at once, then one per interval. */
    public void start() {
        Instant startedAt = clock.instant();
        heartbeat.scheduleAtFixedRate(() -> enqueue(() -> nodeKey, () -> json.heartbeat(clock.instant(), startedAt),
                false), 0, heartbeatIntervalMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onConnected(ConnectionInfo connection) {
        Instant now = clock.instant();
        enqueue(connection, () -> json.connected(connection, now));
    }

    @Override
    public void onDisconnected(ConnectionInfo connection, DisconnectInfo disconnect) {
        Instant now = clock.instant();
        enqueue(connection, () -> json.disconnected(connection, disconnect, now));
    }

    @Override
    public void onSubscribed(ConnectionInfo connection, List<String> topicFilters, List<Integer> grantedQos) {
        Instant now = clock.instant();
        List<String> filters = new ArrayList<>(topicFilters);
        List<Integer> granted = new ArrayList<>(grantedQos);
        enqueue(connection, () -> json.subscribed(connection, filters, granted, now));
    }

    @Override
    public void onUnsubscribed(ConnectionInfo connection, List<String> topicFilters) {
        Instant now = clock.instant();
        List<String> filters = new ArrayList<>(topicFilters);
        enqueue(connection, () -> json.unsubscribed(connection, filters, now));
    }

    private void enqueue(ConnectionInfo connection, Supplier<byte[]> event) {
        enqueue(() -> key(connection), event, true);
    }

    /**
     * The key and the JSON are made on the sender thread: the caller may be an event loop.
     *
     * @param again whether the event is queued again when Kafka does not take it in time
     */
    private void enqueue(Supplier<byte[]> key, Supplier<byte[]> event, boolean again) {
        try {
            sender.execute(() -> {
                byte[] value;
                try {
                    value = event.get();
                } catch (RuntimeException e) {
                    failed.mark();
                    LOG.warn("Session event could not be written as JSON: {}", e.toString());
                    return;
                }
                send(key.get(), value, again);
            });
        } catch (RejectedExecutionException e) {
            dropped.mark();
            LOG.warn("Session event dropped: {} events already wait for Kafka, or the publisher is closed",
                    sender.getQueue().size());
        }
    }

    private void send(byte[] key, byte[] value, boolean again) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (metadata, failure) -> {
                if (failure == null) {
                    published.mark();
                } else if (again && failure instanceof RetriableException) {
                    retried.mark();
                    LOG.warn("Session event not stored in Kafka topic {} in time, sending it again: {}", topic,
                            failure.toString());
                    enqueue(() -> key, () -> value, true);
                } else {
                    failed.mark();
                    LOG.warn("Session event not stored in Kafka topic {}: {}", topic, failure.toString());
                }
            });
        } catch (RuntimeException e) {
            failed.mark();
            LOG.warn("Session event not handed to Kafka for topic {}: {}", topic, e.toString());
        }
    }

    private static byte[] key(ConnectionInfo connection) {
        return connection.clientId().getBytes(UTF_8);
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Stops the heartbeat, sends what is queued and closes the producer. Blocks. */
    @Override
    public void close() {
        heartbeat.shutdownNow();
        sender.shutdown();
        try {
            if (!sender.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Session events still queued after 10 s are dropped");
                sender.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
