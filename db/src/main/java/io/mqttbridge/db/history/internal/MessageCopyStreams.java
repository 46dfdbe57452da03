package io.mqttbridge.db.history.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes one batch's messages over up to {@code streams} PostgreSQL connections at once, each slice
 * in its own transaction, so that a backlog is stored at the speed of several backends instead of
 * one: a single {@code COPY} is bound by its backend's CPU (about 11 us per row with this table's
 * indexes, docs/BENCHMARKS.md), while the broker may mirror faster than that during a burst.
 *
 * <p>Exactly once still holds: the caller commits the Kafka offsets only after every slice has
 * committed, and a slice that committed before another failed is simply written again on the
 * retry, where {@link MessageCopyWriter} finds its rows stored and inserts none of them twice.
 *
 * <p>Order: rows get their {@code id} from the table's sequence as they are inserted, and the
 * history is read in ({@code received_at}, {@code id}) order. So that every publisher's rows keep
 * Kafka's order among themselves, a batch is sliced by record key (the publisher's client id with
 * the default key strategy), never by position: two rows of one key are always in one slice, in
 * their order. Records without a key go to the first slice.
 *
 * <p>Small batches (a steady rate, fetched every 100 ms) stay in one transaction on the caller's
 * thread: slicing pays only where a batch is large enough for the extra commits and the hand-off.
 *
 * <p>Threading: one caller thread; the extra slices run on {@code streams - 1} threads of its own,
 * which {@link #close()} stops. No transaction waits for another slice before it commits, so a pool
 * with fewer connections than streams slows a batch down but never stalls it.
 */
final class MessageCopyStreams implements AutoCloseable {

    /** Rows per slice below which a batch is not sliced further. */
    static final int MIN_ROWS_PER_SLICE = 2_000;

    private final Jdbi jdbi;
    private final MessageCopyWriter[] writers;
    private final ExecutorService extraSlices;

    /**
     * @param streams at most this many transactions at once per batch (1: never sliced)
     * @param threadName prefix of the extra slices' threads
     */
    MessageCopyStreams(Jdbi jdbi, int streams, String threadName) {
        if (streams < 1) {
            throw new IllegalArgumentException("streams must be at least 1, was " + streams);
        }
        this.jdbi = jdbi;
        this.writers = new MessageCopyWriter[streams];
        Arrays.setAll(writers, i -> new MessageCopyWriter());
        this.extraSlices = streams == 1 ? null : extraSliceThreads(streams - 1, threadName);
    }

    /**
     * Inserts the messages and runs {@code alongside} in the first slice's transaction; returns once
     * every slice has ended.
     *
     * @throws IllegalStateException when a slice failed (the others may have committed)
     */
    MessageCopyWriter.Outcome write(List<ConsumerRecord<byte[], byte[]>> messages, Consumer<Handle> alongside) {
        List<List<ConsumerRecord<byte[], byte[]>>> slices = slice(messages);
        List<CompletableFuture<MessageCopyWriter.Outcome>> others = new ArrayList<>(slices.size() - 1);
        for (int i = 1; i < slices.size(); i++) {
            MessageCopyWriter writer = writers[i];
            List<ConsumerRecord<byte[], byte[]>> slice = slices.get(i);
            if (!slice.isEmpty()) {
                others.add(CompletableFuture.supplyAsync(() -> jdbi.inTransaction(h -> writer.insert(h, slice)),
                        extraSlices));
            }
        }
        RuntimeException failure = null;
        MessageCopyWriter.Outcome total = null;
        try {
            total = jdbi.inTransaction(h -> {
                MessageCopyWriter.Outcome copied = writers[0].insert(h, slices.get(0));
                alongside.accept(h);
                return copied;
            });
        } catch (RuntimeException e) {
            failure = e;
        }
        // Every slice must have ended before this returns: a retry must not overlap a slice still running.
        for (CompletableFuture<MessageCopyWriter.Outcome> other : others) {
            try {
                MessageCopyWriter.Outcome outcome = other.join();
                if (failure == null) {
                    total = sum(total, outcome);
                }
            } catch (CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : e;
                if (failure == null) {
                    failure = cause;
                } else {
                    failure.addSuppressed(cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return total;
    }

    /**
     * One slice per {@link #MIN_ROWS_PER_SLICE} rows, at most one per stream; a record goes to the
     * slice of its key's hash, so one key's records stay together and in order.
     */
    List<List<ConsumerRecord<byte[], byte[]>>> slice(List<ConsumerRecord<byte[], byte[]>> messages) {
        int count = Math.min(writers.length, Math.max(1, messages.size() / MIN_ROWS_PER_SLICE));
        if (count == 1) {
            return List.of(messages);
        }
        List<List<ConsumerRecord<byte[], byte[]>>> slices = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            slices.add(new ArrayList<>(messages.size() / count + 16));
        }
        // Keys repeat in runs (a publisher's burst); the hash of the previous key is reused for the same array.
        byte[] lastKey = null;
        int lastSlice = 0;
        for (ConsumerRecord<byte[], byte[]> record : messages) {
            byte[] key = record.key();
            if (key != lastKey) {
                lastSlice = key == null ? 0 : Math.floorMod(Arrays.hashCode(key), count);
                lastKey = key;
            }
            slices.get(lastSlice).add(record);
        }
        return slices;
    }

    @Override
    public void close() {
        if (extraSlices != null) {
            extraSlices.shutdown();
        }
    }

    private static MessageCopyWriter.Outcome sum(MessageCopyWriter.Outcome a, MessageCopyWriter.Outcome b) {
        return new MessageCopyWriter.Outcome(a.inserted() + b.inserted(), a.replayPath() || b.replayPath(),
                a.skipped() + b.skipped());
    }

    private static ExecutorService extraSliceThreads(int threads, String threadName) {
        AtomicInteger next = new AtomicInteger(1);
        ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, threadName + "-copy-" + next.getAndIncrement());
                    thread.setDaemon(true);
                    return thread;
                });
        // At a steady rate nothing is sliced: the threads end after a minute without a large batch.
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
