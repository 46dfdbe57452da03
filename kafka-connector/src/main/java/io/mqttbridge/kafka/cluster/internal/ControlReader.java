package io.mqttbridge.kafka.cluster.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that reads the cluster's compacted control topics (routes, nodes, claims) from
 * their beginning, without a consumer group (every node reads every record), and hands each record
 * to the {@link Handler} in partition order.
 */
public final class ControlReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ControlReader.class);

    /** Called on the reader thread, one record at a time. */
    public interface Handler {
        void record(ConsumerRecord<byte[], byte[]> record);

        /** Once, when every record that existed at start was handed over. */
        void caughtUp();
    }

    private final Consumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final Handler handler;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile boolean running = true;

    public ControlReader(Consumer<byte[], byte[]> consumer, List<String> topics, Handler handler, String nodeId) {
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.handler = handler;
        this.thread = new Thread(this::run, "cluster-control-reader-" + nodeId);
        this.thread.setDaemon(true);
    }

    /**
     * Starts reading and waits until everything written before now was handled.
     *
     * @throws IllegalStateException when that takes longer than {@code timeout}
     */
    public void startAndCatchUp(Duration timeout) {
        thread.start();
        try {
            if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("cluster: could not read the control topics " + topics + " within "
                        + timeout.toMillis() + " ms (cluster.startupTimeoutMs)" + (failure == null ? "" : ": " + failure));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining the cluster", e);
        }
        if (failure != null) {
            throw new IllegalStateException("cluster: reading the control topics failed: " + failure, failure);
        }
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            boolean signalled = false;
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    try {
                        handler.record(record);
                    } catch (RuntimeException e) {
                        LOG.warn("cluster: skipped control record {}-{}@{}", record.topic(), record.partition(),
                                record.offset(), e);
                    }
                }
                if (!signalled && reached(ends)) {
                    signalled = true;
                    handler.caughtUp();
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable e) {
            failure = e;
            LOG.error("cluster: control reader stopped", e);
        } finally {
            caughtUp.countDown();
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    public boolean isAlive() {
        return thread.isAlive() && failure == null;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
