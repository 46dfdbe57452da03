package io.mqttbridge.kafka.downlink;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.LogSafe;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MessagePublisher;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.downlink.internal.KafkaDeadLetters;
import io.mqttbridge.kafka.downlink.internal.MqttTopicResolver;
import io.mqttbridge.kafka.downlink.internal.PartitionProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka -> MQTT: consumes the configured topics and hands every record to the broker through
 * {@link MessagePublisher#publish}, with the configured QoS and retain flag.
 *
 * <p>At-least-once: offsets are committed (manually) only up to the last record whose publish
 * future, and those of all records before it in its partition, completed normally, i.e. the
 * message was handed to every matching session, or, when no session matched (or the record names no
 * usable MQTT topic), it was written to the dead-letter topic with a header saying why
 * ({@link DeadLetters}). A record whose publish fails is handed over
 * again after {@link DownlinkConfig#getRetryBackoffMs()}; the offsets behind it wait. A restart
 * therefore re-delivers what was not completed and never loses a command; subscribers may see a
 * message twice after a crash.
 *
 * <p>Threading: one consumer thread, started by {@link #start}, does all Kafka work. Completion is
 * observed by that thread on its next poll (at most {@value #POLL_MILLIS} ms later). Memory is
 * bounded: above {@link DownlinkConfig#getMaxInFlight()} uncompleted records the consumer pauses
 * its partitions (it keeps polling, so it stays in the group) and resumes below half of that.
 */
public final class KafkaDownlink implements AutoCloseable {

    static final long POLL_MILLIS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(KafkaDownlink.class);

    private final DownlinkConfig config;
    private final Consumer<byte[], byte[]> consumer;
    private final MessagePublisher publisher;
    private final MqttTopicResolver topics;
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    /** Per partition the offset after the last record completed with everything before it. */
    private final Map<TopicPartition, OffsetAndMetadata> completedOffsets = new HashMap<>();
    private final Thread thread;
    private final Meter completed;
    private final Meter skipped;
    private final Meter retried;
    private final Meter deadLettered;
    private final DeadLetters deadLetters;
    private volatile boolean running = true;
    private boolean paused;
    /** Written by the consumer thread only; volatile so that tests and metrics may read it. */
    private volatile int inFlight;

    /**
     * @param consumer a consumer with auto commit off; the downlink owns and closes it
     * @param deadLetters where records go that no session takes; the downlink owns and closes it
     */
    public KafkaDownlink(DownlinkConfig config, Consumer<byte[], byte[]> consumer, MessagePublisher publisher,
            DeadLetters deadLetters, MetricRegistry metrics) {
        config.validate("downlink");
        this.config = config;
        this.consumer = consumer;
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.topics = new MqttTopicResolver(config.getMqttTopicHeader(), config.getMqttTopicTemplate());
        this.completed = metrics.meter("kafka.downlink.records.completed");
        this.skipped = metrics.meter("kafka.downlink.records.skipped");
        this.retried = metrics.meter("kafka.downlink.records.retried");
        this.deadLettered = metrics.meter("kafka.downlink.records.dead-lettered");
        metrics.gauge("kafka.downlink.records.in-flight", () -> (Gauge<Integer>) () -> inFlight);
        this.thread = new Thread(this::run, "kafka-downlink");
    }

    /** Creates the downlink with a {@link KafkaConsumer} and a dead-letter producer of its own. */
    public static KafkaDownlink create(String bootstrapServers, DownlinkConfig config, MessagePublisher publisher,
            MetricRegistry metrics) {
        config.validate("downlink");
        return new KafkaDownlink(config, new KafkaConsumer<>(consumerProperties(bootstrapServers, config)), publisher,
                KafkaDeadLetters.create(bootstrapServers, config.getDeadLetterTopic(),
                        config.getGroupId() + "-dead-letters"),
                metrics);
    }

    static Properties consumerProperties(String bootstrapServers, DownlinkConfig config) {
        Properties p = new Properties();
        p.putAll(config.getConsumerProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.getGroupId());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, config.getAutoOffsetReset());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // One poll never brings more than the in-flight bound, so pausing keeps memory bounded.
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.min(500, config.getMaxInFlight())));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    /** Subscribes and starts the consumer thread. */
    public void start() {
        thread.start();
    }

    private void run() {
        ConsumerRebalanceListener rebalance = new Rebalance();
        if (config.getTopicPattern() != null && !config.getTopicPattern().isBlank()) {
            consumer.subscribe(Pattern.compile(config.getTopicPattern()), rebalance);
        } else {
            consumer.subscribe(config.getTopics(), rebalance);
        }
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(POLL_MILLIS))) {
                    handOver(record);
                }
                retryFailed();
                commitCompleted(false);
                applyFlowControl();
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } catch (RuntimeException e) {
            LOG.error("Kafka downlink stopped", e);
        } finally {
            try {
                commitFinally();
            } catch (RuntimeException e) {
                LOG.warn("Final commit of the Kafka downlink failed; uncommitted records will be delivered again", e);
            }
            consumer.close();
        }
    }

    private void commitFinally() {
        try {
            commitCompleted(true);
        } catch (WakeupException e) {
            // close() woke the consumer while it was not polling; the wake-up is used up now.
            commitCompleted(true);
        }
    }

    private void handOver(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        PartitionProgress partitionProgress = progress.computeIfAbsent(partition, p -> new PartitionProgress());
        partitionProgress.add(record, deliver(record));
        inFlight++;
    }

    /*
     * A record that no session takes, or that names no usable MQTT topic, is completed only once it
     * is in the dead-letter topic: its offset is never committed for a message that went nowhere.
     */
    private CompletableFuture<?> deliver(ConsumerRecord<byte[], byte[]> record) {
        String mqttTopic = topics.resolve(record);
        if (mqttTopic == null) {
            skipped.mark();
            LOG.warn("Kafka record {}-{}@{} has no usable MQTT topic (header '{}', template '{}'); to the dead-letter"
                            + " topic {}", record.topic(), record.partition(), record.offset(),
                    config.getMqttTopicHeader(), config.getMqttTopicTemplate(), config.getDeadLetterTopic());
            return deadLetter(record, null, DeadLetters.REASON_NO_MQTT_TOPIC);
        }
        return publish(mqttTopic, record).handle((sessions, failure) -> {
            Throwable error = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (error instanceof IllegalArgumentException) {
                // Refused for good (MessagePublisher#publish): retried, it would stop the downlink behind it.
                skipped.mark();
                LOG.warn("Kafka record {}-{}@{}: the broker refuses MQTT topic '{}' ({}); to the dead-letter topic {}",
                        record.topic(), record.partition(), record.offset(), LogSafe.text(mqttTopic),
                        error.getMessage(), config.getDeadLetterTopic());
                return deadLetter(record, mqttTopic, DeadLetters.REASON_REFUSED_BY_BROKER);
            }
            if (error != null) {
                return CompletableFuture.<Void>failedFuture(error);
            }
            // A retained message that no session takes now is kept by the broker for later subscribers.
            return sessions != null && sessions == 0 && !config.isRetain()
                    ? deadLetter(record, mqttTopic, DeadLetters.REASON_NO_MATCHING_SESSION)
                    : CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(next -> next);
    }


    private CompletableFuture<Void> deadLetter(ConsumerRecord<byte[], byte[]> record, String mqttTopic, String reason) {
        return deadLetters.send(record, mqttTopic, reason).thenRun(deadLettered::mark);
    }

    private CompletableFuture<Integer> publish(String mqttTopic, ConsumerRecord<byte[], byte[]> record) {
        PublishedMessage message = new PublishedMessage(mqttTopic, record.value() == null ? new byte[0] : record.value(),
                config.getQos(), config.isRetain(), null, null, null, Instant.now(), MessageProperties.NONE);
        try {
            return publisher.publish(message);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void retryFailed() {
        long now = System.nanoTime();
        for (PartitionProgress partitionProgress : progress.values()) {
            for (PartitionProgress.InFlight record : partitionProgress.inFlight()) {
                if (!record.isFailed()) {
                    continue;
                }
                if (record.retryAtNanos() == 0) {
                    record.retryAt(now + TimeUnit.MILLISECONDS.toNanos(config.getRetryBackoffMs()));
                    LOG.warn("Broker did not take Kafka record {}-{}@{}; retrying in {} ms", record.record().topic(),
                            record.record().partition(), record.record().offset(), config.getRetryBackoffMs());
                } else if (now - record.retryAtNanos() >= 0) {
                    retried.mark();
                    record.retryWith(deliver(record.record()));
                }
            }
        }
    }

    private void commitCompleted(boolean synchronously) {
        boolean advanced = false;
        for (Map.Entry<TopicPartition, PartitionProgress> entry : progress.entrySet()) {
            int before = entry.getValue().size();
            long next = entry.getValue().advance();
            if (next >= 0) {
                completedOffsets.put(entry.getKey(), new OffsetAndMetadata(next));
                advanced = true;
            }
            int done = before - entry.getValue().size();
            inFlight -= done;
            completed.mark(done);
        }
        if (completedOffsets.isEmpty()) {
            return;
        }
        if (synchronously) {
            // Re-commits offsets an earlier asynchronous commit may have lost; committing twice is harmless.
            consumer.commitSync(Map.copyOf(completedOffsets));
        } else if (advanced) {
            consumer.commitAsync(Map.copyOf(completedOffsets), (committed, failure) -> {
                if (failure != null) {
                    LOG.warn("Kafka downlink commit failed; a later commit will cover it: {}", failure.toString());
                }
            });
        }
    }

    private void applyFlowControl() {
        if (!paused && inFlight >= config.getMaxInFlight()) {
            consumer.pause(consumer.assignment());
            paused = true;
        } else if (paused && inFlight <= config.getMaxInFlight() / 2) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    /** Whether the consumer thread runs; false before {@link #start}, after {@link #close} or a fatal error. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Records handed to the broker and not yet completed (for tests and metrics). */
    int inFlight() {
        return inFlight;
    }

    /**
     * Stops consuming, commits what completed and closes the consumer. Records still in flight are
     * not committed and will be delivered again by the next consumer of the group. Blocks.
     */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deadLetters.close();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            try {
                commitCompleted(true);
            } catch (RuntimeException e) {
                LOG.warn("Commit on revocation failed; those records will be delivered again", e);
            }
            for (TopicPartition partition : partitions) {
                completedOffsets.remove(partition);
                PartitionProgress dropped = progress.remove(partition);
                if (dropped != null) {
                    // Their new owner delivers them again; we stop tracking them.
                    inFlight -= dropped.size();
                }
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions);
            }
        }
    }
}
