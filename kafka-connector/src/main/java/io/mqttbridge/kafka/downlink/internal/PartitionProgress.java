package io.mqttbridge.kafka.downlink.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The records of one partition handed to the broker and not yet committed, in offset order.
 * Only the consumer thread touches it; the futures complete on any thread.
 */
public final class PartitionProgress {

    /** One record on its way into the broker. */
    public static final class InFlight {
        final ConsumerRecord<byte[], byte[]> record;
        CompletableFuture<?> future;
        long retryAtNanos;

        InFlight(ConsumerRecord<byte[], byte[]> record, CompletableFuture<?> future) {
            this.record = record;
            this.future = future;
        }

        public ConsumerRecord<byte[], byte[]> record() {
            return record;
        }

        public boolean isFailed() {
            return future.isCompletedExceptionally();
        }

        /** 0 until a retry is scheduled. */
        public long retryAtNanos() {
            return retryAtNanos;
        }

        public void retryAt(long nanos) {
            retryAtNanos = nanos == 0 ? 1 : nanos;
        }

        public void retryWith(CompletableFuture<?> next) {
            future = next;
            retryAtNanos = 0;
        }
    }

    private final Deque<InFlight> records = new ArrayDeque<>();

    public InFlight add(ConsumerRecord<byte[], byte[]> record, CompletableFuture<?> future) {
        InFlight inFlight = new InFlight(record, future);
        records.addLast(inFlight);
        return inFlight;
    }

    /**
     * Drops the leading records whose hand-over completed.
     *
     * @return the offset to commit (one past the last such record), or -1 if none completed
     */
    public long advance() {
        long next = -1;
        while (!records.isEmpty()) {
            CompletableFuture<?> future = records.peekFirst().future;
            if (!future.isDone() || future.isCompletedExceptionally()) {
                break;
            }
            next = records.removeFirst().record.offset() + 1;
        }
        return next;
    }

    public Iterable<InFlight> inFlight() {
        return records;
    }

    public int size() {
        return records.size();
    }
}
