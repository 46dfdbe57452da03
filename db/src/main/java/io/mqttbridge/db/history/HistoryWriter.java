package io.mqttbridge.db.history;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.db.Database;
import io.mqttbridge.db.PartitionManager;
import io.mqttbridge.db.history.internal.DeadNodeReaper;
import io.mqttbridge.db.history.internal.HistoryBatchWriter;
import io.mqttbridge.db.history.internal.HistoryConsumerLoop;
import io.mqttbridge.db.history.internal.LagAlarm;
import io.mqttbridge.db.history.internal.LagTracker;
import io.mqttbridge.db.history.internal.WriterMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the mirrored MQTT topics and the session events from Kafka into PostgreSQL, effectively
 * exactly once.
 *
 * <p>{@code writerThreads} consumers of the configured group ({@link HistoryConsumerLoop}), each on
 * its own thread with the partitions Kafka assigns it: poll a batch, write it in one transaction
 * (messages by binary {@code COPY}; a large batch's messages in up to {@code copyStreams} transactions
 * at once, each on its own connection), and only then commit that batch's offsets ({@code commitSync}).
 * A crash between the two replays the batch, which the idempotent writes absorb: no duplicates, no
 * gaps. The lag ({@link LagTracker}) is kept up to date by a thread of its own from Kafka's end
 * offsets, so it also grows while a write blocks.
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
    /* After how long with nothing stored while records wait the log warns, and how often while the lag is too high. */
    private static final Duration STALL_WARNING_AFTER = Duration.ofSeconds(30);
    private static final Duration LAG_WARNING_EVERY = Duration.ofMinutes(1);
    /** What a fetch of the writer's consumers waits for, unless {@link #FETCH_MAX_WAIT_MS} passes first. */
    static final int FETCH_MIN_BYTES = 1024 * 1024;
    /** The longest a fetch waits for {@link #FETCH_MIN_BYTES}: how much later a row may reach PostgreSQL. */
    static final int FETCH_MAX_WAIT_MS = 100;
    private static final Logger LOG = LoggerFactory.getLogger(HistoryWriter.class);

    private final HistoryWriterConfig config;
    private final Jdbi jdbi;
    private final PartitionManager partitions;
    private final DeadNodeReaper reaper;
    private final Clock clock;
    private final WriterMetrics writerMetrics;
    private final LagTracker lag;
    private final List<HistoryConsumerLoop> loops = new ArrayList<>();
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
        this.clock = clock;
        this.writerMetrics = new WriterMetrics(metrics, METRIC_PREFIX);
        this.lag = new LagTracker(metrics, METRIC_PREFIX, () -> new KafkaConsumer<>(consumerProperties(false)),
                Duration.ofMillis(config.getLagRefreshMillis()),
                new LagAlarm(config.getMaxHealthyLag(), STALL_WARNING_AFTER, LAG_WARNING_EVERY, clock));
        metrics.gauge(MetricRegistry.name(METRIC_PREFIX, "paused"), () -> () -> isPaused() ? 1 : 0);
    }

    /**
     * Starts {@code writerThreads} consumers of the group, each on its own thread, and the lag refresher.
     *
     * @throws IllegalStateException if already started
     */
    public synchronized HistoryWriter start() {
        if (!loops.isEmpty()) {
            throw new IllegalStateException("history writer already started");
        }
        try {
            for (int i = 0; i < config.getWriterThreads(); i++) {
                loops.add(new HistoryConsumerLoop(config, new KafkaConsumer<>(consumerProperties(true)),
                        new HistoryBatchWriter(jdbi, partitions, config.getSessionEventsTopic(),
                                config.getCopyStreams(), threadName(i)),
                        writerMetrics, lag, reaper, clock, () -> stopping, () -> beforeOffsetCommit.run()));
            }
        } catch (RuntimeException e) {
            loops.forEach(HistoryConsumerLoop::closeUnstarted);
            loops.clear();
            throw e;
        }
        for (int i = 0; i < loops.size(); i++) {
            loops.get(i).start(threadName(i));
        }
        lag.start("history-writer-lag");
        return this;
    }

    private String threadName(int loop) {
        return config.getWriterThreads() == 1 ? "history-writer" : "history-writer-" + loop;
    }

    /** Stops consuming; what was written and not yet committed in Kafka is simply replayed next time. */
    public void stop() {
        List<HistoryConsumerLoop> started;
        synchronized (this) {
            if (loops.isEmpty() || stopping) {
                return;
            }
            stopping = true;
            started = List.copyOf(loops);
        }
        started.forEach(HistoryConsumerLoop::wakeup);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try {
            for (HistoryConsumerLoop loop : started) {
                if (!loop.awaitStopped(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    LOG.warn("History writer thread did not stop within 30 s");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lag.close();
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
            return !loops.isEmpty() && !stopping && loops.stream().allMatch(HistoryConsumerLoop::isRunning);
        }
    }

    /** The validated configuration it runs with. */
    public HistoryWriterConfig config() {
        return config;
    }

    /** Whether a consumer thread is waiting for PostgreSQL with its partitions paused. */
    public boolean isPaused() {
        synchronized (this) {
            return loops.stream().anyMatch(HistoryConsumerLoop::isPaused);
        }
    }

    /** @param member for a consumer of the group; otherwise for the lag refresher, which only reads end offsets */
    Properties consumerProperties(boolean member) {
        Properties props = new Properties();
        props.putAll(config.getConsumerProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getBootstrapServers());
        if (member) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, config.getGroupId());
            // Without these a steady stream comes back a few records per fetch, and each of those fetches
            // is a COPY, an offset commit and a fetch request for Kafka to serve: at 20,000 msg/s about 8 of
            // the 55-60 us of CPU the bridge and its PostgreSQL spent per message (docs/BENCHMARKS.md). A
            // fetch now waits until it can return FETCH_MIN_BYTES or FETCH_MAX_WAIT_MS has passed; a
            // backlog is still read at once. Longer waits saved more CPU but write in larger bursts.
            // Either can be set in consumerProperties.
            props.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, String.valueOf(FETCH_MIN_BYTES));
            props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(FETCH_MAX_WAIT_MS));
        } else {
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            props.remove(ConsumerConfig.CLIENT_ID_CONFIG);
        }
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(config.getBatchSize()));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "30000");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }
}
