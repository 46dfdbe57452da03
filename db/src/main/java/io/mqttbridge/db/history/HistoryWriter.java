package io.mqttbridge.db.history;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.db.Database;
import io.mqttbridge.db.PartitionManager;
import io.mqttbridge.db.history.internal.DeadNodeReaper;
import io.mqttbridge.db.history.internal.HistoryBatchWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the mirrored MQTT topics and the session events from Kafka into PostgreSQL, effectively
 * exactly once.
 *
 * <p>{@code writerThreads} consumers of the configured group, each on its own thread with the
 * partitions Kafka assigns it: poll a batch, write it in one transaction (messages by binary
 * {@code COPY}), and only then commit that batch's offsets ({@code commitSync}). A crash between the
 * two replays the batch, which the idempotent writes absorb: no duplicates, no gaps.
 *
 * <p>When PostgreSQL fails, each consumer keeps the batch it holds, pauses all its partitions (so
 * memory stays bounded by one batch), keeps polling to stay in the group, retries with exponential
 * backoff, and resumes where it stopped once a write succeeds. While it holds the session-events
 * partitions and has read them to the end, it also closes the sessions of dead broker nodes, at
 * start and every {@code deadNodeCheckIntervalSeconds}.
 *
 * <p>Metrics (under {@code history-writer.}): {@code rows-written} and {@code session-events}
 * (meters), {@code batches}, {@code failures}, {@code skipped-records}, {@code expired-rows},
 * {@code replayed-batches} (batches that met rows already stored and took the deduplicating path),
 * {@code sessions-closed-node-lost}, {@code paused} (1 while waiting for PostgreSQL),
 * {@code lag.total} and {@code lag.<topic>-<partition>} (consumer lag gauges).
 *
 * <p>Threading: {@link #start()} starts the consumer threads; {@link #stop()} wakes them, waits for
 * them to finish their current batch and close their consumers. Both may be called from any thread.
 */
public final class HistoryWriter implements AutoCloseable {

    public static final String METRIC_PREFIX = "history-writer";
    private static final Logger LOG = LoggerFactory.getLogger(HistoryWriter.class);

    private final HistoryWriterConfig config;
    private final Jdbi jdbi;
    private final PartitionManager partitions;
    private final DeadNodeReaper reaper;
    private final MetricRegistry metrics;
    private final Clock clock;
    private final Meter rowsWritten;
    private final Meter sessionEvents;
    private final Meter batches;
    private final Meter failures;
    private final Counter skipped;
    private final Counter expired;
    private final Counter sessionsClosed;
    private final Counter replayedBatches;
    // Each partition is owned by one loop at a time; the map is shared for the gauges.
    private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
    private final List<ConsumerLoop> loops = new ArrayList<>();
    private volatile boolean stopping;
    /** Test seam: runs after the transaction commits and before the offsets do, to simulate a crash there. */
    volatile Runnable beforeOffsetCommit = () -> { };

    /**
     * @param config what to consume; validated here
     * @param database where to write (the pool and the partition manager)
     * @param metrics where to register the metrics
     */
    public HistoryWriter(HistoryWriterConfig config, Database database, MetricRegistry metrics) {
        this(config, database.jdbi(), database.partitions(), metrics, Clock.systemUTC());
    }

    HistoryWriter(HistoryWriterConfig config, Jdbi jdbi, PartitionManager partitions, MetricRegistry metrics, Clock clock) {
        this.config = config.validate();
        this.jdbi = jdbi;
        this.partitions = partitions;
        this.reaper = new DeadNodeReaper(jdbi, Duration.ofSeconds(config.getNodeTimeoutSeconds()), clock);
        this.metrics = metrics;
        this.clock = clock;
        this.rowsWritten = metrics.meter(name("rows-written"));
        this.sessionEvents = metrics.meter(name("session-events"));
        this.batches = metrics.meter(name("batches"));
        this.failures = metrics.meter(name("failures"));
        this.skipped = metrics.counter(name("skipped-records"));
        this.expired = metrics.counter(name("expired-rows"));
        this.sessionsClosed = metrics.counter(name("sessions-closed-node-lost"));
        this.replayedBatches = metrics.counter(name("replayed-batches"));
        metrics.gauge(name("paused"), () -> () -> isPaused() ? 1 : 0);
        metrics.gauge(name("lag.total"), () -> () -> lag.values().stream().mapToLong(Long::longValue).sum());
    }

    /**
     * Starts {@code writerThreads} consumers of the group, each on its own thread.
     *
     * @throws IllegalStateException if already started
     */
    public synchronized HistoryWriter start() {
        if (!loops.isEmpty()) {
            throw new IllegalStateException("history writer already started");
        }
        try {
            for (int i = 0; i < config.getWriterThreads(); i++) {
                loops.add(new ConsumerLoop(new KafkaConsumer<>(consumerProperties())));
            }
        } catch (RuntimeException e) {
            loops.forEach(loop -> loop.consumer.close(Duration.ZERO));
            loops.clear();
            throw e;
        }
        for (int i = 0; i < loops.size(); i++) {
            loops.get(i).start(loops.size() == 1 ? "history-writer" : "history-writer-" + i);
        }
        return this;
    }

    /** Stops consuming; what was written and not yet committed in Kafka is simply replayed next time. */
    public void stop() {
        List<ConsumerLoop> started;
        synchronized (this) {
            if (loops.isEmpty() || stopping) {
                return;
            }
            stopping = true;
            started = List.copyOf(loops);
        }
        started.forEach(ConsumerLoop::wakeup);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try {
            for (ConsumerLoop loop : started) {
                if (!loop.stopped.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    LOG.warn("History writer thread did not stop within 30 s");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Whether every consumer thread is running: false before {@link #start()}, after {@link #stop()},
     * and after an unexpected error ended one of them (logged; the group gives its partitions to the
     * others); for health checks.
     */
    public boolean isRunning() {
        synchronized (this) {
            return !loops.isEmpty() && !stopping && loops.stream().allMatch(loop -> loop.running);
        }
    }

    /** The validated configuration it runs with. */
    public HistoryWriterConfig config() {
        return config;
    }

    /** Whether a consumer thread is waiting for PostgreSQL with its partitions paused. */
    public boolean isPaused() {
        synchronized (this) {
            return loops.stream().anyMatch(loop -> loop.paused);
        }
    }

    private Properties consumerProperties() {
        Properties props = new Properties();
        props.putAll(config.getConsumerProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getBootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.getGroupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.getBatchSize()));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "30000");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }

    /**
     * One consumer of the group on its own thread: poll a batch, write it in one transaction, and
     * only then commit the offsets of that batch.
     */
    private final class ConsumerLoop {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final HistoryBatchWriter batchWriter;
        private final CountDownLatch stopped = new CountDownLatch(1);
        private volatile boolean running;
        private volatile boolean paused;
        private Thread thread;

        // Owned by the loop's thread.
        private List<ConsumerRecord<byte[], byte[]>> pending;
        private long backoffMillis;
        private long lastReapMillis = Long.MIN_VALUE;

        ConsumerLoop(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
            this.batchWriter = new HistoryBatchWriter(jdbi, partitions, config.getSessionEventsTopic());
        }

        void start(String threadName) {
            running = true;
            thread = new Thread(this::run, threadName);
            thread.start();
        }

        void wakeup() {
            try {
                consumer.wakeup();
            } catch (RuntimeException e) {
                LOG.debug("Waking the history writer's consumer failed: {}", e.toString());
            }
        }

        private void run() {
            try {
                consumer.subscribe(config.subscriptionPattern(), new Rebalance());
                backoffMillis = config.getInitialBackoffMillis();
                while (running && !stopping) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(
                            pending == null ? config.getPollTimeoutMillis() : backoffMillis));
                    if (!records.isEmpty()) {
                        // Normally only when nothing is held (partitions are paused meanwhile); keep anything
                        // returned regardless, as the consumer's position has already moved past it.
                        if (pending == null) {
                            pending = new ArrayList<>(records.count());
                        }
                        records.forEach(pending::add);
                    }
                    if (pending != null) {
                        // Before the write too: a write that takes long (PostgreSQL slower than Kafka) must
                        // not hide the lag behind the figure of the previous batch.
                        updateLag();
                        writePending();
                    }
                    updateLag();
                    maybeCloseSessionsOfDeadNodes();
                }
            } catch (WakeupException e) {
                if (!stopping) {
                    LOG.error("History writer woken up unexpectedly", e);
                }
            } catch (RuntimeException e) {
                LOG.error("History writer stopped by an unexpected error", e);
            } finally {
                try {
                    consumer.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.warn("Closing the history writer's consumer failed", e);
                }
                running = false;
                stopped.countDown();
            }
        }

        private void writePending() {
            HistoryBatchWriter.Result result;
            try {
                result = batchWriter.write(pending);
            } catch (RuntimeException e) {
                failures.mark();
                if (!paused) {
                    LOG.warn("Writing {} records to PostgreSQL failed; pausing consumption and retrying: {}",
                            pending.size(), e.toString());
                    consumer.pause(consumer.assignment());
                    paused = true;
                } else {
                    LOG.debug("Retry of the history batch failed: {}", e.toString());
                }
                backoffMillis = Math.min(backoffMillis * 2, config.getMaxBackoffMillis());
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> offsets = nextOffsets(pending);
            pending = null;
            backoffMillis = config.getInitialBackoffMillis();
            rowsWritten.mark(result.messages());
            sessionEvents.mark(result.sessionEvents());
            skipped.inc(result.skipped());
            expired.inc(result.expired());
            batches.mark();
            if (result.replayed()) {
                replayedBatches.inc();
            }
            if (paused) {
                consumer.resume(consumer.paused());
                paused = false;
                LOG.info("PostgreSQL is back; history writer resumed");
            }
            beforeOffsetCommit.run();
            try {
                consumer.commitSync(offsets);
            } catch (RuntimeException e) {
                // The rows are committed in PostgreSQL; whoever reads these partitions next replays them harmlessly.
                LOG.warn("Committing Kafka offsets failed after the rows were written; they will be replayed: {}", e.toString());
            }
        }

        private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<ConsumerRecord<byte[], byte[]>> records) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                offsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                        (a, b) -> a.offset() >= b.offset() ? a : b);
            }
            return offsets;
        }

        private void updateLag() {
            Set<TopicPartition> assignment = consumer.assignment();
            Map<TopicPartition, Long> held = pendingCounts();
            if (paused) {
                // Paused partitions are not fetched, so the consumer's own lag would stay frozen: ask the broker.
                try {
                    Map<TopicPartition, Long> ends = consumer.endOffsets(assignment, Duration.ofSeconds(1));
                    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                        lag.put(end.getKey(), end.getValue() - consumer.position(end.getKey())
                                + held.getOrDefault(end.getKey(), 0L));
                    }
                } catch (RuntimeException e) {
                    LOG.debug("Could not read end offsets for the lag: {}", e.toString());
                }
                return;
            }
            for (TopicPartition tp : assignment) {
                OptionalLong current = consumer.currentLag(tp);
                if (current.isPresent()) {
                    lag.put(tp, current.getAsLong() + held.getOrDefault(tp, 0L));
                }
            }
        }

        /** Records held and not yet written, per partition (one pass: a batch holds up to batchSize). */
        private Map<TopicPartition, Long> pendingCounts() {
            if (pending == null) {
                return Map.of();
            }
            Map<TopicPartition, Long> counts = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : pending) {
                counts.merge(new TopicPartition(r.topic(), r.partition()), 1L, Long::sum);
            }
            return counts;
        }

        private void maybeCloseSessionsOfDeadNodes() {
            long now = clock.millis();
            if (paused || lastReapMillis != Long.MIN_VALUE
                    && now - lastReapMillis < TimeUnit.SECONDS.toMillis(config.getDeadNodeCheckIntervalSeconds())) {
                return;
            }
            boolean holdsSessionEvents = false;
            for (TopicPartition tp : consumer.assignment()) {
                if (tp.topic().equals(config.getSessionEventsTopic())) {
                    holdsSessionEvents = true;
                    OptionalLong current = consumer.currentLag(tp);
                    if (current.isEmpty() || current.getAsLong() > 0) {
                        return;
                    }
                }
            }
            if (!holdsSessionEvents) {
                return;
            }
            try {
                sessionsClosed.inc(reaper.closeSessionsOfDeadNodes());
                lastReapMillis = now;
            } catch (RuntimeException e) {
                LOG.warn("Closing sessions of dead broker nodes failed; will retry: {}", e.toString());
            }
        }


        /** Keeps the held batch consistent with the partitions this consumer owns. */
        private final class Rebalance implements ConsumerRebalanceListener {

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                forget(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                forget(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                for (TopicPartition tp : partitions) {
                    metrics.gauge(name("lag." + tp.topic() + "-" + tp.partition()), () -> () -> lag.getOrDefault(tp, 0L));
                }
                if (paused) {
                    consumer.pause(partitions);
                }
            }

            private void forget(Collection<TopicPartition> partitions) {
                Set<TopicPartition> gone = new HashSet<>(partitions);
                for (TopicPartition tp : gone) {
                    lag.remove(tp);
                    metrics.remove(name("lag." + tp.topic() + "-" + tp.partition()));
                }
                if (pending != null) {
                    // Not written, not committed: the next owner reads them again from the committed offset.
                    pending.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
                    if (pending.isEmpty()) {
                        pending = null;
                    }
                }
                if (pending == null && paused) {
                    consumer.resume(consumer.paused());
                    paused = false;
                }
            }
        }
    }

    private static String name(String metric) {
        return MetricRegistry.name(METRIC_PREFIX, metric);
    }
}
