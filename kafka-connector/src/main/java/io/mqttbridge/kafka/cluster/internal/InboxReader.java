package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that consumes this node's inbox (consumer group of its own) and hands each forwarded
 * message to the local sessions only. Offsets are committed after every message of a poll was
 * handed over (written to online subscribers or queued in their sessions), so a crash re-delivers
 * rather than loses; in normal operation each record is handed over once.
 *
 * <p>A message the broker refuses (it is not running yet: a node that restarts reads what waited in
 * its inbox before its broker has restored its sessions; a session store that fails a write) is
 * handed over again, backing off, until it is taken or the reader closes. The reader used to stop
 * at the first refusal, and the node then isolated itself for good: every CONNECT refused, the
 * backlog never read.
 */
public final class InboxReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InboxReader.class);
    private static final long HAND_OVER_TIMEOUT_SECONDS = 30;
    private static final long FIRST_RETRY_MILLIS = 100;
    private static final long MAX_RETRY_MILLIS = 5_000;

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final Delivery delivery;
    private final Thread thread;
    private final AtomicLong received = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean failed;
    private volatile boolean commitOnClose = true;
    private Map<TopicPartition, OffsetAndMetadata> lastHandedOver = Map.of();

    /** Hands one inbox record's message to the local sessions. */
    public interface Delivery {
        /** @return completes with the number of sessions once they have it (persistent ones: stored) */
        CompletableFuture<Integer> deliver(PublishedMessage message, ForwardedScope scope, int partition, long offset);
    }

    public InboxReader(Consumer<byte[], byte[]> consumer, String topic, Delivery delivery, String nodeId) {
        this.consumer = consumer;
        this.topic = topic;
        this.delivery = delivery;
        this.thread = new Thread(this::run, "cluster-inbox-reader-" + nodeId);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Records read from the inbox since start. */
    public long received() {
        return received.get();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    continue;
                }
                Map<ConsumerRecord<byte[], byte[]>, CompletableFuture<Integer>> handed = new LinkedHashMap<>();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    received.incrementAndGet();
                    offsets.put(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                    CompletableFuture<Integer> handing = hand(record);
                    if (handing != null) {
                        handed.put(record, handing);
                    }
                }
                if (!handedOver(handed)) {
                    // Closing: leave the offsets, the next start reads these again.
                    return;
                }
                // Asynchronous: the next poll need not wait for the commit; a later commit covers a
                // failed one, and close() commits synchronously what was handed over last.
                consumer.commitAsync(offsets, (committed, error) -> {
                    if (error != null) {
                        LOG.debug("cluster: inbox offsets not committed yet: {}", error.toString());
                    }
                });
                lastHandedOver = offsets;
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable e) {
            failed = true;
            LOG.error("cluster: inbox reader stopped", e);
        } finally {
            try {
                if (commitOnClose && !lastHandedOver.isEmpty()) {
                    consumer.commitSync(lastHandedOver, Duration.ofSeconds(2));
                }
            } catch (RuntimeException e) {
                LOG.debug("cluster: final inbox commit failed: {}", e.toString());
            }
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /* The record's message handed to the broker; null for a malformed record, which is skipped. */
    private CompletableFuture<Integer> hand(ConsumerRecord<byte[], byte[]> record) {
        try {
            return delivery.deliver(InboxRecords.message(record), InboxRecords.scope(record), record.partition(),
                    record.offset());
        } catch (IllegalArgumentException e) {
            LOG.warn("cluster: skipped malformed inbox record {}-{}@{}: {}", record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            return null;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Waits until every record's message was handed over, handing the refused ones over again, one at
     * a time and in their order, so that a publisher's messages keep theirs.
     *
     * @return {@code false} when the reader closed first
     */
    private boolean handedOver(Map<ConsumerRecord<byte[], byte[]>, CompletableFuture<Integer>> handed)
            throws InterruptedException {
        List<ConsumerRecord<byte[], byte[]>> refused = new ArrayList<>();
        Throwable reason = null;
        for (Map.Entry<ConsumerRecord<byte[], byte[]>, CompletableFuture<Integer>> entry : handed.entrySet()) {
            Throwable error = outcome(entry.getValue());
            if (error != null) {
                refused.add(entry.getKey());
                reason = error;
            }
        }
        long retryMillis = FIRST_RETRY_MILLIS;
        while (!refused.isEmpty()) {
            if (!running) {
                return false;
            }
            if (retryMillis == FIRST_RETRY_MILLIS) {
                LOG.warn("cluster: {} forwarded messages not handed over yet ({}); handing them over again",
                        refused.size(), reason.toString());
            }
            Thread.sleep(retryMillis);
            retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
            while (!refused.isEmpty()) {
                CompletableFuture<Integer> handing = hand(refused.get(0));
                reason = handing == null ? null : outcome(handing);
                if (reason != null) {
                    break;
                }
                refused.remove(0);
            }
        }
        return true;
    }

    /* Null once the message was handed over; the error when it was refused. Waits while it is neither. */
    private Throwable outcome(CompletableFuture<Integer> handing) throws InterruptedException {
        while (running) {
            try {
                handing.get(HAND_OVER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                return null;
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (TimeoutException e) {
                LOG.warn("cluster: a forwarded message waits for its sessions for {} s", HAND_OVER_TIMEOUT_SECONDS);
            }
        }
        return handing.isDone() && !handing.isCompletedExceptionally() ? null : new IllegalStateException("closing");
    }

    /** False once the reader stopped on an error (not when it was closed). */
    public boolean isAlive() {
        return !failed;
    }

    /** Stops without the final commit, as a killed process would (for tests of node failure). */
    public void halt() {
        commitOnClose = false;
        close();
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
