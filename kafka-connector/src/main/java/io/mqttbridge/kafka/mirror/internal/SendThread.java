package io.mqttbridge.kafka.mirror.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that calls {@link Producer#send}, in the order records were submitted.
 *
 * <p>Why a thread of its own: {@code send} blocks while it fetches metadata for a topic it has not
 * seen (up to {@code max.block.ms}) and while {@code buffer.memory} is full, and the broker's event
 * loops must never block. Why exactly one: a FIFO queue drained by a single thread hands records to
 * the producer in the order each connection submitted them, and the idempotent producer then keeps
 * that order per partition (also across retries, with at most five requests in flight); one thread
 * per client would not preserve it any better and would cost far more. The queue itself is bounded
 * by {@link OutstandingBytes}, which counts queued records too.
 *
 * <p>Gathering: with a gather window, the thread lets that long pass after each round of sends before
 * it looks at the queue again. Records submitted meanwhile wake nobody, so at a steady rate the thread
 * wakes about once per window instead of once per record or two, and the submitting event loops no
 * longer pay a futex wake-up for most records. It only delays what the producer would hold back anyway
 * while it lingers to fill a batch; a round that drained a full batch looks again at once.
 */
public final class SendThread implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SendThread.class);
    private static final int DRAIN_BATCH = 1024;

    private final Producer<byte[], byte[]> producer;
    private final BlockingQueue<PendingSend> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Consumer<PendingSend> onSent;
    private final CompletionHandler onCompleted;
    private final long gatherNanos;
    private volatile boolean running = true;

    /** Called from the producer's I/O thread, or from the send thread when {@code send} throws. */
    public interface CompletionHandler {
        void completed(PendingSend send, Exception failure);
    }

    /** A send thread that looks at the queue again as soon as it has sent what it found. */
    public SendThread(String name, Producer<byte[], byte[]> producer, Consumer<PendingSend> onSent,
            CompletionHandler onCompleted) {
        this(name, producer, onSent, onCompleted, 0);
    }

    /** @param gatherNanos the gather window (see the class comment); 0 for none */
    public SendThread(String name, Producer<byte[], byte[]> producer, Consumer<PendingSend> onSent,
            CompletionHandler onCompleted, long gatherNanos) {
        if (gatherNanos < 0) {
            throw new IllegalArgumentException("gatherNanos must not be negative, was " + gatherNanos);
        }
        this.producer = producer;
        this.onSent = onSent;
        this.onCompleted = onCompleted;
        this.gatherNanos = gatherNanos;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Never blocks. After {@link #close} the send fails at once. */
    public void submit(PendingSend send) {
        if (!running) {
            onCompleted.completed(send, new IllegalStateException("the Kafka mirror is closed"));
            return;
        }
        queue.add(send);
    }

    private void run() {
        List<PendingSend> batch = new ArrayList<>(DRAIN_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                PendingSend first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, DRAIN_BATCH - 1);
                for (PendingSend send : batch) {
                    send(send);
                }
                boolean drainedFull = batch.size() == DRAIN_BATCH;
                batch.clear();
                if (gatherNanos > 0 && !drainedFull && running) {
                    LockSupport.parkNanos(this, gatherNanos);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        failQueued();
    }

    private void failQueued() {
        PendingSend left;
        while ((left = queue.poll()) != null) {
            onCompleted.completed(left, new IllegalStateException("the Kafka mirror is closed"));
        }
    }

    private void send(PendingSend send) {
        // The producer hands the callback to its I/O thread through its own synchronisation (the batch's lock).
        send.handler(onCompleted);
        try {
            producer.send(send.record(), send);
            onSent.accept(send);
        } catch (RuntimeException e) {
            // Metadata not available within max.block.ms, a record too large, a closed producer...
            onCompleted.completed(send, e);
        }
    }

    /** Sends what is queued, then stops the thread; waits at most {@code timeoutMillis}. */
    @Override
    public void close() {
        close(Long.MAX_VALUE);
    }

    public void close(long timeoutMillis) {
        running = false;
        try {
            thread.join(timeoutMillis == Long.MAX_VALUE ? 0 : timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("Kafka send thread did not stop within {} ms; interrupting it", timeoutMillis);
            thread.interrupt();
        } else {
            // A submit racing with close may have queued after the thread's last look.
            failQueued();
        }
    }
}
