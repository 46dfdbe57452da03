package io.mqttbridge.db.history.internal;

import io.mqttbridge.db.history.HistoryWriterConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer of the history group on its own thread: poll a batch, write it (one transaction, or
 * several at once for a large batch: {@link HistoryBatchWriter}), and only then commit the offsets of
 * that batch ({@code commitSync}). A crash between the two
 * replays the batch, which the idempotent writes absorb.
 *
 * <p>When PostgreSQL fails it keeps the batch it holds, pauses all its partitions (memory stays
 * bounded by one batch), keeps polling to stay in the group, retries with exponential backoff and
 * resumes once a write succeeds. Between batches it lets {@link DeadNodeCheck} close the sessions of
 * dead broker nodes, and it reports its positions to the {@link LagTracker}.
 *
 * <p>Threading: {@link #start} starts the thread; {@link #wakeup} may be called from any thread.
 */
public final class HistoryConsumerLoop {

    private static final Logger LOG = LoggerFactory.getLogger(HistoryConsumerLoop.class);

    private final HistoryWriterConfig config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final HistoryBatchWriter batchWriter;
    private final WriterMetrics metrics;
    private final LagTracker lag;
    private final DeadNodeCheck deadNodes;
    private final BooleanSupplier stopping;
    private final Runnable beforeOffsetCommit;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile boolean paused;

    // Owned by the loop's thread.
    private List<ConsumerRecord<byte[], byte[]>> pending;
    /*
     * Per partition of what is pending: its record count and the offset after its last record, kept as
     * records arrive (one entry per partition and poll) instead of being derived from every record.
     */
    private final Map<TopicPartition, PendingPartition> pendingPartitions = new HashMap<>();
    private long backoffMillis;
    // The last write of what is pending failed for what its records hold (WriteFailures).
    private boolean recordsFailed;

    /**
     * @param stopping true once the writer stops
     * @param beforeOffsetCommit runs after the transaction commits and before the offsets do (a test seam)
     */
    public HistoryConsumerLoop(HistoryWriterConfig config, KafkaConsumer<byte[], byte[]> consumer,
            HistoryBatchWriter batchWriter, WriterMetrics metrics, LagTracker lag, DeadNodeReaper reaper, Clock clock,
            BooleanSupplier stopping, Runnable beforeOffsetCommit) {
        this.config = config;
        this.consumer = consumer;
        this.batchWriter = batchWriter;
        this.metrics = metrics;
        this.lag = lag;
        this.deadNodes = new DeadNodeCheck(reaper, config.getSessionEventsTopic(),
                TimeUnit.SECONDS.toMillis(config.getDeadNodeCheckIntervalSeconds()), clock, metrics);
        this.stopping = stopping;
        this.beforeOffsetCommit = beforeOffsetCommit;
    }

    public void start(String threadName) {
        running = true;
        new Thread(this::run, threadName).start();
    }

    public void wakeup() {
        try {
            consumer.wakeup();
        } catch (RuntimeException e) {
            LOG.debug("Waking the history writer's consumer failed: {}", e.toString());
        }
    }

    /** Closes the consumer of a loop that was never started. */
    public void closeUnstarted() {
        consumer.close(Duration.ZERO);
        batchWriter.close();
    }

    /** Waits until the thread has finished its batch and closed its consumer. */
    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    public boolean isRunning() {
        return running;
    }

    /** Whether it waits for PostgreSQL with its partitions paused. */
    public boolean isPaused() {
        return paused;
    }

    private void run() {
        try {
            consumer.subscribe(config.subscriptionPattern(), new Rebalance());
            backoffMillis = config.getInitialBackoffMillis();
            while (running && !stopping.getAsBoolean()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(
                        pending == null ? config.getPollTimeoutMillis() : backoffMillis));
                if (!records.isEmpty()) {
                    // Normally only when nothing is held (partitions are paused meanwhile); keep anything
                    // returned regardless, as the consumer's position has already moved past it.
                    if (pending == null) {
                        pending = new ArrayList<>(records.count());
                    }
                    hold(records);
                }
                if (pending != null) {
                    // Before the write too: what is held counts as not stored while the write takes.
                    reportLag();
                    writePending();
                }
                reportLag();
                if (!paused) {
                    deadNodes.maybeRun(consumer);
                }
            }
        } catch (WakeupException e) {
            if (!stopping.getAsBoolean()) {
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
            batchWriter.close();
            running = false;
            stopped.countDown();
        }
    }

    private void writePending() {
        HistoryBatchWriter.Result result;
        try {
            // A batch that failed for what its records hold fails again whole: it goes record by record.
            result = recordsFailed ? writeAroundFailingRecords() : batchWriter.write(pending);
            recordsFailed = false;
        } catch (RuntimeException e) {
            recordsFailed = WriteFailures.aboutTheRecords(e);
            metrics.failures.mark();
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
        Map<TopicPartition, OffsetAndMetadata> offsets = nextOffsets();
        pending = null;
        pendingPartitions.clear();
        backoffMillis = config.getInitialBackoffMillis();
        metrics.written(result);
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

    /**
     * Writes what is pending one record at a time, leaving out (logged and counted as skipped) each
     * record that fails alone for what it holds: one such record used to stop the whole history for
     * good, the batch retried for ever. It stays in Kafka. Throws when PostgreSQL itself fails.
     */
    private HistoryBatchWriter.Result writeAroundFailingRecords() {
        int messages = 0;
        int sessionEvents = 0;
        int skipped = 0;
        int expired = 0;
        for (ConsumerRecord<byte[], byte[]> record : pending) {
            try {
                HistoryBatchWriter.Result one = batchWriter.write(List.of(record));
                messages += one.messages();
                sessionEvents += one.sessionEvents();
                skipped += one.skipped();
                expired += one.expired();
            } catch (RuntimeException e) {
                if (!WriteFailures.aboutTheRecords(e)) {
                    throw e;
                }
                skipped++;
                LOG.error("History: the record at {}-{} offset {} cannot be written and is left out (it stays in"
                        + " Kafka): {}", record.topic(), record.partition(), record.offset(), e.toString());
            }
        }
        return new HistoryBatchWriter.Result(messages, sessionEvents, skipped, expired, false);
    }

    /** Adds a poll's records to what is pending, partition by partition (the order the records come in). */
    private void hold(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> part = records.records(partition);
            pending.addAll(part);
            PendingPartition held = pendingPartitions.computeIfAbsent(partition, p -> new PendingPartition());
            held.count += part.size();
            held.nextOffset = Math.max(held.nextOffset, part.get(part.size() - 1).offset() + 1);
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> nextOffsets() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        pendingPartitions.forEach((partition, held) -> offsets.put(partition, new OffsetAndMetadata(held.nextOffset)));
        return offsets;
    }

    /** Records held in one partition and the offset after the last of them. */
    private static final class PendingPartition {
        long count;
        long nextOffset;
    }

    /** Tells the lag tracker how far each owned partition is stored and where its end is known to be. */
    private void reportLag() {
        for (TopicPartition tp : consumer.assignment()) {
            long position;
            try {
                position = consumer.position(tp, Duration.ZERO);
            } catch (TimeoutException e) {
                continue; // not known yet (no committed offset fetched); the next round reports it
            }
            PendingPartition held = pendingPartitions.get(tp);
            lag.storedUpTo(tp, position - (held == null ? 0 : held.count));
            OptionalLong current = consumer.currentLag(tp);
            if (current.isPresent()) {
                lag.endAtLeast(tp, position + current.getAsLong());
            }
        }
    }

    /** Keeps the held batch and the lag gauges consistent with the partitions this consumer owns. */
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
            partitions.forEach(lag::assigned);
            if (paused) {
                consumer.pause(partitions);
            }
        }

        private void forget(Collection<TopicPartition> partitions) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            gone.forEach(lag::revoked);
            pendingPartitions.keySet().removeAll(gone);
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
