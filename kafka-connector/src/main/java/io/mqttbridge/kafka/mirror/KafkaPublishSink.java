package io.mqttbridge.kafka.mirror;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.mirror.internal.MirrorMetrics;
import io.mqttbridge.kafka.mirror.internal.MirrorRecordFactory;
import io.mqttbridge.kafka.mirror.internal.MirrorRoute;
import io.mqttbridge.kafka.mirror.internal.MirrorRoutes;
import io.mqttbridge.kafka.mirror.internal.OutstandingBytes;
import io.mqttbridge.kafka.mirror.internal.PendingSend;
import io.mqttbridge.kafka.mirror.internal.SendFailures;
import io.mqttbridge.kafka.mirror.internal.SendThread;
import io.mqttbridge.kafka.mirror.internal.StoredRecordLookup;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The broker's {@link PublishSink} that mirrors MQTT messages into Kafka, per ordered
 * {@link MirrorRule}s, through one shared idempotent producer ({@code acks=all}).
 *
 * <p>Delivery: the future {@link #accept} returns completes normally only after Kafka acknowledged
 * the record (so the broker's PUBACK/PUBREC means "in Kafka"); it fails with
 * {@link PublishRejectedException} when Kafka refused it or {@code delivery.timeout.ms} passed
 * (reason code 0x80; 0x97 when over the outstanding-bytes limit or the producer's buffer is
 * exhausted or the rule's template reached its {@code maxTopics}; 0x90 when the rule's topic
 * template yields no legal Kafka topic, or a reserved one: see {@link ReservedTopics}). Messages no rule
 * matches, and retained messages of rules that skip them, complete at once.
 *
 * <p>Threading and order: {@link #accept} never blocks: it builds the record on the caller's
 * thread and queues it for a single dedicated send thread (see {@link SendThread} for why one
 * thread), which calls {@code producer.send} in submission order. Since the broker calls
 * {@link #accept} on a connection's event loop in the order it received that connection's
 * PUBLISHes, and the default key (the client id) puts a client's records in one partition, each
 * client's messages reach Kafka in order. One caveat is inherent: if Kafka rejects message n and
 * accepts n+1, the retransmission of n lands after n+1. Futures complete on Kafka's I/O thread (or
 * the send thread); callers must hop to their own executor before doing real work.
 *
 * <p>Back-pressure: bytes accepted but not yet acknowledged are counted; above
 * {@link ProducerSettings#getOutstandingHighWaterBytes()} {@link #isAcceptingPublishes()} turns
 * false until they drop below {@link ProducerSettings#getOutstandingLowWaterBytes()}, and pressure
 * listeners hear of each change. Beyond {@link ProducerSettings#getOutstandingLimitBytes()}
 * messages are rejected at once, so memory stays bounded however long Kafka is away.
 */
public final class KafkaPublishSink implements PublishSink, AutoCloseable {

    /**
     * How much later than the delivery timeout after a message's receipt a record may be stamped
     * before {@link #isStored} stops looking for the message behind it: room for the wait for the
     * session store's record before the send, and for clocks of several nodes.
     */
    public static final Duration LOOKUP_HORIZON_MARGIN = Duration.ofMinutes(5);

    /**
     * How much later than the delivery timeout after a message's receipt {@link #isStored} takes "not
     * found" as final: the first copy may still be in a producer until then (this node's, or the one
     * of the node the session moved from), so an earlier search that finds nothing is repeated then.
     */
    public static final Duration LOOKUP_SETTLE_MARGIN = Duration.ofSeconds(10);

    /** The longest the send thread lets records gather between rounds (see {@link #gatherNanos}). */
    static final long MAX_GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final MirrorRoutes routes;
    private final MirrorRecordFactory records;
    private final OutstandingBytes outstanding;
    private final MirrorMetrics metrics;
    private final Producer<byte[], byte[]> producer;
    private final SendThread sendThread;
    private final long closeTimeoutMillis;
    /* Null when the sink was built on a bare producer: then it cannot tell what Kafka holds. */
    private final StoredRecordLookup lookup;

    /**
     * @param producer an idempotent producer with {@code acks=all} (see
     *     {@link ProducerSettings#toProperties}); the sink owns and closes it
     * @throws IllegalArgumentException for an invalid rule (naming it) or setting
     */
    public KafkaPublishSink(List<MirrorRule> rules, ProducerSettings settings, String nodeId,
            Producer<byte[], byte[]> producer, MetricRegistry metricRegistry) {
        this(rules, ReservedTopics.INTERNAL_ONLY, settings, nodeId, producer, metricRegistry);
    }

    /**
     * @param reserved Kafka topics no rule may write to (a fixed one fails here; a template that
     *     renders one refuses that message with 0x90)
     */
    public KafkaPublishSink(List<MirrorRule> rules, ReservedTopics reserved, ProducerSettings settings, String nodeId,
            Producer<byte[], byte[]> producer, MetricRegistry metricRegistry) {
        this(rules, reserved, settings, nodeId, producer, null, metricRegistry);
    }

    /**
     * @param lookupConsumers creates the consumer {@link #isStored} searches Kafka with (byte array
     *     key and value, no group), or {@code null}: then {@link #isStored} answers false
     */
    public KafkaPublishSink(List<MirrorRule> rules, ReservedTopics reserved, ProducerSettings settings, String nodeId,
            Producer<byte[], byte[]> producer, Supplier<Consumer<byte[], byte[]>> lookupConsumers,
            MetricRegistry metricRegistry) {
        Objects.requireNonNull(nodeId, "nodeId");
        settings.validate("producer");
        this.routes = MirrorRoutes.compile(rules, reserved);
        this.records = new MirrorRecordFactory(nodeId);
        this.outstanding = new OutstandingBytes(settings.getOutstandingHighWaterBytes(),
                settings.getOutstandingLowWaterBytes(), settings.getOutstandingLimitBytes());
        this.metrics = new MirrorMetrics(metricRegistry, outstanding);
        this.producer = producer;
        this.closeTimeoutMillis = settings.getDeliveryTimeoutMs() + (long) settings.getMaxBlockMs();
        this.sendThread = new SendThread("kafka-mirror-send", producer, send -> metrics.sent(), this::completed,
                gatherNanos(settings));
        this.lookup = lookupConsumers == null ? null : new StoredRecordLookup(lookupConsumers,
                !settings.getProperties().containsKey(ProducerConfig.PARTITIONER_CLASS_CONFIG),
                Duration.ofMillis(settings.getDeliveryTimeoutMs()).plus(LOOKUP_HORIZON_MARGIN),
                Duration.ofMillis(Math.max(settings.getDeliveryTimeoutMs(), 30_000)),
                Duration.ofMillis(settings.getDeliveryTimeoutMs()).plus(LOOKUP_SETTLE_MARGIN));
    }

    /** Creates the sink with a new {@link KafkaProducer} built from {@code settings}. */
    public static KafkaPublishSink create(String bootstrapServers, List<MirrorRule> rules, ProducerSettings settings,
            String nodeId, MetricRegistry metricRegistry) {
        return create(bootstrapServers, rules, ReservedTopics.INTERNAL_ONLY, settings, nodeId, metricRegistry);
    }

    /** Creates the sink with a new {@link KafkaProducer}; no rule may write to {@code reserved}. */
    public static KafkaPublishSink create(String bootstrapServers, List<MirrorRule> rules, ReservedTopics reserved,
            ProducerSettings settings, String nodeId, MetricRegistry metricRegistry) {
        settings.validate("producer");
        MirrorRoutes.compile(rules, reserved);
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(settings.toProperties(bootstrapServers, "mqtt-mirror-" + nodeId));
        return new KafkaPublishSink(rules, reserved, settings, nodeId, producer,
                () -> lookupConsumer(bootstrapServers, settings, nodeId), metricRegistry);
    }

    /**
     * The send thread's gather window: a fifth of the producer's linger, at most {@link #MAX_GATHER_NANOS}.
     * The producer holds a batch back for its linger anyway, so gathering adds at most a fifth of it to
     * a PUBACK, and saves a wake-up of the send thread per record or two at moderate rates (at
     * 20,000 msg/s about 10,000 a second, docs/BENCHMARKS.md). No linger, no gathering.
     */
    static long gatherNanos(ProducerSettings settings) {
        return Math.min(TimeUnit.MILLISECONDS.toNanos(settings.getLingerMs()) / 5, MAX_GATHER_NANOS);
    }

    /* The producer's security settings apply to the look-up's consumer too; nothing else of them does. */
    private static Consumer<byte[], byte[]> lookupConsumer(String bootstrapServers, ProducerSettings settings,
            String nodeId) {
        Properties properties = new Properties();
        settings.getProperties().forEach((key, value) -> {
            if (key.startsWith("security.") || key.startsWith("ssl.") || key.startsWith("sasl.")) {
                properties.put(key, value);
            }
        });
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "mqtt-mirror-lookup-" + nodeId);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(properties);
    }

    @Override
    public CompletableFuture<Void> accept(PublishedMessage message) {
        MirrorRoute route = routes.routeFor(message.topic());
        if (route == null || !route.mirrors(message)) {
            metrics.notMirrored();
            return CompletableFuture.completedFuture(null);
        }
        String[] levels = route.needsLevels() ? message.topic().split("/", -1) : null;
        String kafkaTopic = route.kafkaTopic(levels);
        if (kafkaTopic == null) {
            metrics.failed();
            return CompletableFuture.failedFuture(new PublishRejectedException(MqttReasonCode.TOPIC_NAME_INVALID,
                    route + " yields no legal (or a reserved) Kafka topic for MQTT topic '" + message.topic() + "'", null,
                    true));
        }
        if (!route.admitTopic(kafkaTopic)) {
            metrics.rejectedTopicLimit();
            // Until this process restarts: for a client that resends at every reconnect, permanent.
            return CompletableFuture.failedFuture(new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED,
                    route + " already writes to its maxTopics Kafka topics; not creating '" + kafkaTopic + "'", null,
                    true));
        }
        ProducerRecord<byte[], byte[]> record = records.create(kafkaTopic, records.key(route, message, levels), message);
        int size = MirrorRecordFactory.estimateSize(record);
        if (!outstanding.tryAcquire(size)) {
            metrics.rejectedOverLimit();
            return CompletableFuture.failedFuture(new PublishRejectedException(MqttReasonCode.QUOTA_EXCEEDED,
                    "too many bytes waiting for Kafka (" + outstanding.current() + ")", null));
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        sendThread.submit(new PendingSend(record, size, future, System.nanoTime()));
        return future;
    }

    /**
     * Searches Kafka for the record {@code message} makes (its first copy's receive time is the
     * record's timestamp): see {@link StoredRecordLookup}. False for a message no rule mirrors, and
     * when the sink has no look-up.
     */
    @Override
    public CompletableFuture<Boolean> isStored(PublishedMessage message) {
        MirrorRoute route = routes.routeFor(message.topic());
        if (lookup == null || route == null || !route.mirrors(message)) {
            return CompletableFuture.completedFuture(false);
        }
        String[] levels = route.needsLevels() ? message.topic().split("/", -1) : null;
        String kafkaTopic = route.kafkaTopic(levels);
        if (kafkaTopic == null) {
            return CompletableFuture.completedFuture(false);
        }
        return lookup.find(records.create(kafkaTopic, records.key(route, message, levels), message));
    }

    private void completed(PendingSend send, Exception failure) {
        outstanding.release(send.size());
        if (failure == null) {
            metrics.acked(send.startNanos());
            send.future().complete(null);
        } else {
            metrics.failed();
            send.future().completeExceptionally(SendFailures.rejection(send.record().topic(), failure));
        }
    }

    @Override
    public boolean isAcceptingPublishes() {
        return outstanding.isAccepting();
    }

    @Override
    public void addPressureListener(Runnable listener) {
        outstanding.addListener(listener);
    }

    /** Bytes accepted but not yet acknowledged or failed. */
    public long outstandingBytes() {
        return outstanding.current();
    }

    /**
     * Hands what is queued to the producer and waits (up to the delivery timeout) for Kafka to
     * acknowledge it; whatever is still unacknowledged then fails. Blocks: not for an event loop.
     */
    @Override
    public void close() {
        sendThread.close(closeTimeoutMillis);
        producer.close(Duration.ofMillis(closeTimeoutMillis));
        if (lookup != null) {
            lookup.close();
        }
    }
}
