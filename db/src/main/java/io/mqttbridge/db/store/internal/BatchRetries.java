package io.mqttbridge.db.store.internal;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link CoalescingWriter} applies one batch: the latest value of each key, all or nothing; a
 * batch that failed because the database is unreachable is retried with a growing pause until it is
 * applied or the writer closes; one that failed because of its data is retried key by key, so that
 * one bad value fails only its own writes; any other failure fails the whole batch.
 *
 * <p>Threading: called on the writer's thread only; blocks while it retries.
 */
final class BatchRetries<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(CoalescingWriter.class);
    static final long FIRST_RETRY_PAUSE_MILLIS = 50;
    static final long MAX_RETRY_PAUSE_MILLIS = 2_000;
    /* A batch rolled back by conflicts with other transactions this often in a row fails. */
    static final int MAX_CONFLICT_RETRIES = 20;
    private static final long RETRY_LOG_INTERVAL_MILLIS = 10_000;

    private final String name;
    private final CoalescingWriter.BatchApplier<K, V> applier;
    private final BooleanSupplier closing;

    /** @param closing whether the writer is closing: then an unreachable database is not waited for */
    BatchRetries(String name, CoalescingWriter.BatchApplier<K, V> applier, BooleanSupplier closing) {
        this.name = name;
        this.applier = applier;
        this.closing = closing;
    }

    /** Applies {@code batch}, completing each write's future with the outcome of its key. */
    void apply(List<CoalescingWriter.Write<K, V>> batch) {
        Map<K, V> latest = new LinkedHashMap<>();
        for (CoalescingWriter.Write<K, V> write : batch) {
            // Re-inserting keeps the map in the order of each key's last write.
            latest.remove(write.key());
            latest.put(write.key(), write.value());
        }
        long pause = FIRST_RETRY_PAUSE_MILLIS;
        long retryingSince = 0;
        long loggedAt = 0;
        int conflicts = 0;
        while (true) {
            try {
                applier.apply(latest);
                batch.forEach(write -> write.done().complete(null));
                if (retryingSince != 0) {
                    LOG.info("{}: database reachable again, {} writes applied after {} ms", name,
                            batch.size(), System.currentTimeMillis() - retryingSince);
                }
                return;
            } catch (Exception e) {
                if (isCausedByUnreachableDatabase(e) && !closing.getAsBoolean()) {
                    long now = System.currentTimeMillis();
                    if (retryingSince == 0) {
                        retryingSince = now;
                    }
                    if (now - loggedAt >= RETRY_LOG_INTERVAL_MILLIS) {
                        loggedAt = now;
                        LOG.warn("{}: database unreachable ({}); retrying {} writes until it is back",
                                name, e.getMessage(), batch.size());
                    }
                    if (!pause(pause)) {
                        batch.forEach(write -> write.done().completeExceptionally(e));
                        return;
                    }
                    pause = Math.min(MAX_RETRY_PAUSE_MILLIS, pause * 2);
                    continue;
                }
                if (isCausedByConflict(e) && conflicts < MAX_CONFLICT_RETRIES && !closing.getAsBoolean()) {
                    // Another transaction won (two nodes storing the same messages in a different order
                    // across a batch's runs can deadlock): this one was rolled back whole; again.
                    conflicts++;
                    LOG.debug("{}: batch of {} writes rolled back by a conflict ({}); retrying", name, batch.size(),
                            e.getMessage());
                    if (!pause(FIRST_RETRY_PAUSE_MILLIS)) {
                        batch.forEach(write -> write.done().completeExceptionally(e));
                        return;
                    }
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
            for (CoalescingWriter.Write<K, V> write : batch) {
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

    /**
     * The transaction was rolled back because of another one: SQLSTATE class 40 (serialization
     * failure 40001, deadlock detected 40P01). Applying the batch again can succeed.
     */
    static boolean isCausedByConflict(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("40")) {
                return true;
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
