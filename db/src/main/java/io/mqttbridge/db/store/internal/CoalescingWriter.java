package io.mqttbridge.db.store.internal;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
 * retried, with a growing pause up to {@link #MAX_RETRY_PAUSE_MILLIS}, until it is applied or the
 * writer is closed: a write made while the database is down completes once it is back. Its callers
 * (a publisher's acknowledgement waits for the session store) wait instead of failing, and a
 * failure then makes no client send again what is already stored elsewhere (in Kafka). Other
 * failures fail the whole batch at once.
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

    private static final Logger LOG = LoggerFactory.getLogger(CoalescingWriter.class);
    private static final int MAX_BATCH = 500;
    static final long FIRST_RETRY_PAUSE_MILLIS = 50;
    static final long MAX_RETRY_PAUSE_MILLIS = 2_000;
    private static final long RETRY_LOG_INTERVAL_MILLIS = 10_000;

    /** A keyed write, or (key null) a task to run in its place in the order. */
    private record Write<K, V>(K key, V value, CompletableFuture<Void> done, Runnable task) {
        Write(K key, V value, CompletableFuture<Void> done) {
            this(key, value, done, null);
        }
    }

    private final LinkedBlockingQueue<Write<K, V>> queue = new LinkedBlockingQueue<>();
    private final BatchApplier<K, V> applier;
    private final Thread thread;
    private final Write<K, V> stop = new Write<>(null, null, null);
    private CompletableFuture<Void> lastSubmitted = CompletableFuture.completedFuture(null);
    private boolean closed;
    /* Set by close(): a batch failing for an unreachable database is no longer retried. */
    private volatile boolean closing;

    public CoalescingWriter(String threadName, BatchApplier<K, V> applier) {
        this.applier = Objects.requireNonNull(applier, "applier");
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
        queue.add(new Write<>(null, null, null, () -> {
            try {
                result.complete(task.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        }));
        lastSubmitted = done;
        return result;
    }

    /** Completes (never exceptionally) once every write submitted before this call is applied or has failed. */
    public synchronized CompletableFuture<Void> barrier() {
        return lastSubmitted.handle((ignored, error) -> null);
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
            queue.add(stop);
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
        List<Write<K, V>> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                LOG.warn("{} interrupted; {} writes not applied", thread.getName(), queue.size());
                return;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            boolean stopping = batch.remove(stop);
            List<Write<K, V>> writes = new ArrayList<>();
            for (Write<K, V> item : batch) {
                if (item.task() == null) {
                    writes.add(item);
                    continue;
                }
                if (!writes.isEmpty()) {
                    applyBatch(writes);
                    writes.clear();
                }
                item.task().run();
            }
            if (!writes.isEmpty()) {
                applyBatch(writes);
            }
            batch.clear();
            if (stopping) {
                return;
            }
        }
    }

    private void applyBatch(List<Write<K, V>> batch) {
        Map<K, V> latest = new LinkedHashMap<>();
        for (Write<K, V> write : batch) {
            // Re-inserting keeps the map in the order of each key's last write.
            latest.remove(write.key());
            latest.put(write.key(), write.value());
        }
        long pause = FIRST_RETRY_PAUSE_MILLIS;
        long retryingSince = 0;
        long loggedAt = 0;
        while (true) {
            try {
                applier.apply(latest);
                batch.forEach(write -> write.done().complete(null));
                if (retryingSince != 0) {
                    LOG.info("{}: database reachable again, {} writes applied after {} ms", thread.getName(),
                            batch.size(), System.currentTimeMillis() - retryingSince);
                }
                return;
            } catch (Exception e) {
                if (isCausedByUnreachableDatabase(e) && !closing) {
                    long now = System.currentTimeMillis();
                    if (retryingSince == 0) {
                        retryingSince = now;
                    }
                    if (now - loggedAt >= RETRY_LOG_INTERVAL_MILLIS) {
                        loggedAt = now;
                        LOG.warn("{}: database unreachable ({}); retrying {} writes until it is back",
                                thread.getName(), e.getMessage(), batch.size());
                    }
                    if (!pause(pause)) {
                        batch.forEach(write -> write.done().completeExceptionally(e));
                        return;
                    }
                    pause = Math.min(MAX_RETRY_PAUSE_MILLIS, pause * 2);
                    continue;
                }
                if (latest.size() == 1 || !isCausedByData(e)) {
                    batch.forEach(write -> write.done().completeExceptionally(e));
                    return;
                }
            }
            break;
        }
        for (Map.Entry<K, V> entry : latest.entrySet()) {
            Map<K, V> single = new LinkedHashMap<>();
            single.put(entry.getKey(), entry.getValue());
            Exception failure = null;
            try {
                applier.apply(single);
            } catch (Exception e) {
                failure = e;
            }
            for (Write<K, V> write : batch) {
                if (write.key().equals(entry.getKey())) {
                    if (failure == null) {
                        write.done().complete(null);
                    } else {
                        write.done().completeExceptionally(failure);
                    }
                }
            }
        }
    }

    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The database could not be reached or went away: SQLSTATE class 08 (connection exception), 53
     * (insufficient resources), 57P (operator intervention: shutdown, crash, starting up), or a
     * transient / recoverable {@link SQLException} (a connection pool's timeout).
     */
    static boolean isCausedByUnreachableDatabase(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientException || t instanceof java.sql.SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** SQLSTATE class 22 (data exception), 23 (integrity constraint violation), or a value the applier refused. */
    static boolean isCausedByData(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
                return true;
            }
        }
        return false;
    }
}
