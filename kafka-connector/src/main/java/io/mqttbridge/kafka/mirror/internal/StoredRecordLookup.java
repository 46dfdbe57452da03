package io.mqttbridge.kafka.mirror.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.Utils;

/**
 * Finds out whether a mirror record is already in Kafka: asked for a QoS 2 message whose earlier send
 * had an unknown outcome (the node crashed after handing it to the producer, or the send timed out
 * although Kafka may have written it), before it is sent again.
 *
 * <p>The record the sink would write again has the first copy's receive time as its timestamp, so
 * the search is bounded: in the record's partition (the key's; every partition of the topic when the
 * record has no key or a custom partitioner is configured), from the first offset whose timestamp is
 * at least that time ({@code offsetsForTimes}) up to the end offset read when the search starts, and
 * no further than the first record stamped more than {@code horizon} later (the first copy was
 * written, if at all, within the delivery timeout of its receipt, before any record received after
 * that). A record matches when its timestamp, value, {@code mqtt.client_id} and {@code mqtt.topic}
 * headers are the expected record's.
 *
 * <p>"Not found" is only final once no producer can still write the record: the first copy may still
 * be in a producer (this node's, or that of the node that held the session before it moved here)
 * until the delivery timeout after its send. A search that finds nothing earlier than {@code settle}
 * after the record's timestamp is repeated then, and its answer is final.
 *
 * <p>Threading: searches run one at a time on a thread of their own, with one consumer (no group,
 * partitions assigned by hand) created on first use; {@link #find} never blocks. Errors: a search
 * that fails or takes longer than {@code timeout} completes exceptionally (the broker then fails the
 * publish, and the client retries later), it never guesses.
 */
public final class StoredRecordLookup implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final boolean keyPicksPartition;
    private final long horizonMillis;
    private final Duration timeout;
    private final long settleMillis;
    private final ScheduledExecutorService thread;
    /* Used on the lookup thread only. */
    private Consumer<byte[], byte[]> consumer;

    /**
     * @param consumers creates the consumer (byte array key and value) on first use
     * @param keyPicksPartition whether the producer puts a keyed record in the partition of the key's
     *     murmur2 hash (its default partitioner); when false every partition is searched
     * @param horizon how much later than the expected record a record may be stamped before the search
     *     stops looking for it
     * @param timeout the longest a search may take
     * @param settle how long after a record's timestamp a producer may still write it (the delivery
     *     timeout and some margin)
     */
    public StoredRecordLookup(Supplier<Consumer<byte[], byte[]>> consumers, boolean keyPicksPartition,
            Duration horizon, Duration timeout, Duration settle) {
        this.consumers = consumers;
        this.keyPicksPartition = keyPicksPartition;
        this.horizonMillis = horizon.toMillis();
        this.timeout = timeout;
        this.settleMillis = settle.toMillis();
        this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "kafka-mirror-lookup");
            t.setDaemon(true);
            return t;
        });
    }

    /** Whether a record like {@code expected} (topic, timestamp, value, client id and topic headers) is in Kafka. */
    public CompletableFuture<Boolean> find(ProducerRecord<byte[], byte[]> expected) {
        CompletableFuture<Boolean> found = new CompletableFuture<>();
        thread.execute(() -> attempt(expected, found, false));
        return found;
    }

    private void attempt(ProducerRecord<byte[], byte[]> expected, CompletableFuture<Boolean> found, boolean last) {
        try {
            if (search(expected)) {
                found.complete(true);
                return;
            }
            long wait = expected.timestamp() + settleMillis - System.currentTimeMillis();
            if (last || wait <= 0) {
                found.complete(false);
                return;
            }
            thread.schedule(() -> attempt(expected, found, true), wait, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            found.completeExceptionally(e);
        }
    }

    private boolean search(ProducerRecord<byte[], byte[]> expected) {
        Consumer<byte[], byte[]> c = consumer();
        try {
            return scan(c, expected);
        } finally {
            c.unsubscribe();
        }
    }

    private boolean scan(Consumer<byte[], byte[]> c, ProducerRecord<byte[], byte[]> expected) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<PartitionInfo> infos = c.partitionsFor(expected.topic(), timeout);
        if (infos == null || infos.isEmpty()) {
            return false;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        if (keyPicksPartition && expected.key() != null) {
            partitions.add(new TopicPartition(expected.topic(),
                    Utils.toPositive(Utils.murmur2(expected.key())) % infos.size()));
        } else {
            infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        }
        long timestamp = expected.timestamp();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, timestamp));
        Map<TopicPartition, OffsetAndTimestamp> starts = c.offsetsForTimes(query, timeout);
        Map<TopicPartition, Long> ends = c.endOffsets(partitions, timeout);
        Set<TopicPartition> open = new HashSet<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp start = starts.get(tp);
            if (start != null && start.offset() < ends.get(tp)) {
                open.add(tp);
            }
        }
        if (open.isEmpty()) {
            return false;
        }
        c.assign(open);
        open.forEach(tp -> c.seek(tp, starts.get(tp).offset()));
        while (!open.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("looking for a record in " + expected.topic() + " took longer than "
                        + timeout.toMillis() + " ms");
            }
            ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
            for (TopicPartition tp : records.partitions()) {
                if (!open.contains(tp)) {
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
                    if (matches(record, expected)) {
                        return true;
                    }
                    if (record.offset() + 1 >= ends.get(tp) || record.timestamp() > timestamp + horizonMillis) {
                        open.remove(tp);
                        break;
                    }
                }
            }
            // A partition can end on offsets that hold no record (transaction markers, compaction).
            open.removeIf(tp -> c.position(tp, timeout) >= ends.get(tp));
            c.pause(c.assignment().stream().filter(tp -> !open.contains(tp)).toList());
        }
        return false;
    }

    private static boolean matches(ConsumerRecord<byte[], byte[]> record, ProducerRecord<byte[], byte[]> expected) {
        return record.timestamp() == expected.timestamp()
                && Arrays.equals(orEmpty(record.value()), orEmpty(expected.value()))
                && sameHeader(record, expected, MirrorHeaders.CLIENT_ID)
                && sameHeader(record, expected, MirrorHeaders.TOPIC);
    }

    private static boolean sameHeader(ConsumerRecord<byte[], byte[]> record, ProducerRecord<byte[], byte[]> expected,
            String name) {
        Header actual = record.headers().lastHeader(name);
        Header wanted = expected.headers().lastHeader(name);
        if (actual == null || wanted == null) {
            return actual == wanted;
        }
        return Arrays.equals(actual.value(), wanted.value());
    }

    private static byte[] orEmpty(byte[] bytes) {
        return bytes == null ? new byte[0] : bytes;
    }

    private Consumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            consumer = consumers.get();
        }
        return consumer;
    }

    /** Closes the consumer and stops the thread; a search in progress is given a few seconds. */
    @Override
    public void close() {
        thread.execute(() -> {
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(1));
            }
        });
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
