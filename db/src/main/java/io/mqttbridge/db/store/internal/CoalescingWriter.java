package io.mqttbridge.db.store.internal;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies keyed writes (a new value, or {@code null} for a removal) on one dedicated thread, in call
 * order. The writes waiting when the thread comes round are applied together in one batch, and of
 * several writes of one key in a batch only the last reaches the database: every write replaces the
 * whole state of its key, so an earlier one can never overwrite a later one.
 *
 * <p>Thread-safe; {@link #submit} never blocks. The futures complete on the writer thread once the
 * batch is committed, or exceptionally with the batch's failure. A batch that failed because of
 * its data (an SQL data or integrity error, a value that cannot be converted) is retried key by
 * key, so one bad value fails only its own writes. A batch that failed because the database is
 * unreachable (SQLSTATE class 08, 53 or 57P, a transient or recoverable {@link SQLException}) is
 * retried, with a growing pause up to {@link BatchRetries#MAX_RETRY_PAUSE_MILLIS}, until it is applied or the
 * writer is closed: a write made while the database is down completes once it is back. Its callers
 * (a publisher's acknowledgement waits for the session store) wait instead of failing, and a
 * failure then makes no client send again what is already stored elsewhere (in Kafka). Other
 * failures fail the whole batch at once ({@link BatchRetries}).
 *
 * <p>Writes that must become durable together are submitted within a {@link Span}.
 *
 * @param <K> the key (a client id, a topic)
 * @param <V> the value
 */
public final class CoalescingWriter<K, V> implements AutoCloseable {

    /** Writes the latest value of each key (null: remove it), all or nothing. */
    @FunctionalInterface
    public interface BatchApplier<K, V> {
        void apply(Map<K, V> latest) throws Exception;
    }

    /**
     * A group of writes that become durable together: every write submitted between {@link
     * #openSpan} and the span's {@link #close} is applied in the same batch, with whatever else was
     * submitted meanwhile. The writer waits for the span's end before it commits the writes after
     * its start, up to {@link #SPAN_WAIT_MILLIS} by default (and {@link #MAX_SPANNED} queued items); past that,
     * or when a task, a {@link #barrier} or {@link #close} comes in between, the span is broken and
     * its writes are applied like any others (in order, perhaps in more than one batch).
     */
    public static final class Span implements AutoCloseable {
        private final Consumer<Span> end;
        /* Guarded by the writer's lock. */
        private boolean ended;

        private Span(Consumer<Span> end) {
            this.end = end;
        }

        /** Ends the span (idempotent): the writes submitted within it may be committed now. */
        @Override
        public void close() {
            end.accept(this);
        }
    }

    /** What the writer thread takes from its queue, in submission order. */
    private sealed interface Item permits Write, Task, SpanStart, SpanEnd, Cut, Stop {
    }

    record Write<K, V>(K key, V value, CompletableFuture<Void> done) implements Item {
    }

    private record Task(Runnable task) implements Item {
    }

    private record SpanStart(Span span) implements Item {
    }

    private record SpanEnd(Span span) implements Item {
    }

    /** A caller waits for what was submitted before: spans open at this point are broken. */
    private record Cut() implements Item {
    }

    private record Stop() implements Item {
    }

    private static final Logger LOG = LoggerFactory.getLogger(CoalescingWriter.class);
    private static final int MAX_BATCH = 500;
    /** How long the writes after a span's start may wait for its end before the span is broken. */
    static final long SPAN_WAIT_MILLIS = 200;
    /** How many items may pile up behind an open span before it is broken. */
    static final int MAX_SPANNED = 8 * MAX_BATCH;

    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final BatchRetries<K, V> batches;
    private final Thread thread;
    private CompletableFuture<Void> lastSubmitted = CompletableFuture.completedFuture(null);
    private boolean closed;
    /* Set by close(): a batch failing for an unreachable database is no longer retried. */
    private volatile boolean closing;
    /* Spans whose writes did not all share one batch (waited too long, or cut); for tests and logs. */
    private final AtomicLong brokenSpans = new AtomicLong();
    private final long spanWaitNanos;

    public CoalescingWriter(String threadName, BatchApplier<K, V> applier) {
        this(threadName, applier, SPAN_WAIT_MILLIS);
    }

    /** @param spanWaitMillis how long writes after a span's start may wait for its end */
    CoalescingWriter(String threadName, BatchApplier<K, V> applier, long spanWaitMillis) {
        this.spanWaitNanos = TimeUnit.MILLISECONDS.toNanos(spanWaitMillis);
        this.batches = new BatchRetries<>(threadName, Objects.requireNonNull(applier, "applier"), () -> closing);
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a write of {@code value} ({@code null}: removal) for {@code key}. */
    public synchronized CompletableFuture<Void> submit(K key, V value) {
        Objects.requireNonNull(key, "key");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException(thread.getName() + " is closed"));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Write<>(key, value, done));
        lastSubmitted = done;
        return done;
    }

    /** Opens a {@link Span}: the writes submitted from now until its close are committed together. */
    public synchronized Span openSpan() {
        Span span = new Span(this::endSpan);
        if (closed) {
            span.ended = true;
        } else {
            queue.add(new SpanStart(span));
        }
        return span;
    }

    private synchronized void endSpan(Span span) {
        if (span.ended) {
            return;
        }
        span.ended = true;
        if (!closed) {
            queue.add(new SpanEnd(span));
        }
    }

    /**
     * Runs {@code task} on the writer thread after every write submitted before this call and before
     * every write submitted after it.
     */
    public synchronized <T> CompletableFuture<T> run(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException(thread.getName() + " is closed"));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<Void> done = result.handle((ignored, error) -> null);
        queue.add(new Task(() -> {
            try {
                result.complete(task.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        }));
        lastSubmitted = done;
        return result;
    }

    /**
     * Completes (never exceptionally) once every write submitted before this call is applied or has
     * failed. A span still open breaks here, rather than have the caller wait for its end (whoever
     * ends it may be waiting for this).
     */
    public synchronized CompletableFuture<Void> barrier() {
        if (!closed) {
            queue.add(new Cut());
        }
        return lastSubmitted.handle((ignored, error) -> null);
    }

    /** How many spans were broken: their writes did not all share one batch. */
    long brokenSpans() {
        return brokenSpans.get();
    }

    /** Applies the writes already queued, then stops the thread; waits for it up to {@code timeoutMillis}. */
    public void close(long timeoutMillis) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            // Writes retried for an unreachable database fail after their current pause.
            closing = true;
            queue.add(new Stop());
        }
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{} did not finish its queued writes within {} ms", thread.getName(), timeoutMillis);
        }
    }

    @Override
    public void close() {
        close(TimeUnit.SECONDS.toMillis(30));
    }

    private void run() {
        List<Item> pending = new ArrayList<>();
        long spanDeadline = 0;
        while (true) {
            boolean spanTimedOut = false;
            try {
                if (pending.isEmpty()) {
                    pending.add(queue.take());
                    spanDeadline = System.nanoTime() + spanWaitNanos;
                } else {
                    // Everything pending is behind an open span: wait for its end, or for the deadline.
                    Item next = queue.poll(Math.max(0, spanDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        spanTimedOut = true;
                    } else {
                        pending.add(next);
                    }
                }
            } catch (InterruptedException e) {
                LOG.warn("{} interrupted; {} writes not applied", thread.getName(), queue.size() + pending.size());
                return;
            }
            queue.drainTo(pending, MAX_BATCH);
            int ready = spanTimedOut || pending.size() >= MAX_SPANNED ? pending.size() : readyPrefix(pending);
            if (ready == 0) {
                continue;
            }
            List<Item> batch = pending.subList(0, ready);
            int broken = openSpans(batch);
            if (broken > 0) {
                brokenSpans.addAndGet(broken);
                LOG.debug("{}: {} write spans broken (waited {} ms at most)", thread.getName(), broken,
                        TimeUnit.NANOSECONDS.toMillis(spanWaitNanos));
            }
            boolean stopping = process(batch);
            batch.clear();
            if (stopping) {
                return;
            }
            // What is left starts with a span still open: its writes wait for its end, for so long.
            spanDeadline = System.nanoTime() + spanWaitNanos;
        }
    }

    /**
     * How many of {@code items}, from the first, may be applied now: up to the last point at which
     * no span started among them is still open. A task, a cut or the stop breaks the spans open there.
     */
    private int readyPrefix(List<Item> items) {
        Set<Span> open = new HashSet<>();
        int ready = 0;
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            if (item instanceof SpanStart start) {
                open.add(start.span());
            } else if (item instanceof SpanEnd end) {
                open.remove(end.span());
            } else if (!(item instanceof Write<?, ?>)) {
                open.clear();
            }
            if (open.isEmpty()) {
                ready = i + 1;
            }
        }
        return ready;
    }

    /* The spans started among {@code items} and not ended there: their later writes go in a later batch. */
    private static int openSpans(List<Item> items) {
        Set<Span> open = new HashSet<>();
        for (Item item : items) {
            if (item instanceof SpanStart start) {
                open.add(start.span());
            } else if (item instanceof SpanEnd end) {
                open.remove(end.span());
            }
        }
        return open.size();
    }

    /** Applies the writes of {@code items} in batches and runs their tasks in order; whether the stop is among them. */
    @SuppressWarnings("unchecked")
    private boolean process(List<Item> items) {
        List<Write<K, V>> writes = new ArrayList<>();
        boolean stopping = false;
        for (Item item : items) {
            if (item instanceof Write<?, ?> write) {
                writes.add((Write<K, V>) write);
            } else if (item instanceof Task task) {
                if (!writes.isEmpty()) {
                    batches.apply(writes);
                    writes.clear();
                }
                task.task().run();
            } else if (item instanceof Stop) {
                stopping = true;
            }
        }
        if (!writes.isEmpty()) {
            batches.apply(writes);
        }
        return stopping;
    }
}
