package io.mqttbridge.db.store;

import io.mqttbridge.db.store.internal.StoredMessageRows;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces session expiry cluster-wide: deletes the stored state and messages of every offline
 * session whose expiry interval has passed since it went offline, whichever node owned it. A node
 * that holds such a session in memory ends it by its own timer; this catches the sessions of nodes
 * that died or were retired, which nobody else would ever end.
 *
 * <p>Safe when every node runs it: each sweep is one statement whose predicate is checked on the
 * rows it deletes, so concurrent sweeps delete each row once, and a session that came back online
 * (its state saved with no disconnection time) is never deleted. Sessions that never expire
 * (4294967295 s) and online ones are left alone. Time is the database's clock.
 *
 * <p>Threading: one daemon thread of its own; failures are logged and the next sweep tries again.
 */
public final class SessionExpirySweeper implements AutoCloseable {

    /** How often each node sweeps by default. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(SessionExpirySweeper.class);
    private static final long NEVER_EXPIRES = 0xFFFF_FFFFL;

    /** How long a stored message nothing refers to is left before {@link #sweepOrphanedMessages} takes it. */
    static final Duration ORPHAN_AGE = Duration.ofMinutes(10);
    static final Duration ORPHAN_SWEEP_INTERVAL = Duration.ofHours(1);
    private static final int ORPHANS_PER_SWEEP = 10_000;

    private final Jdbi jdbi;
    private final ScheduledExecutorService timer;
    /* The sweeper's thread only: when it looks for orphaned stored messages next (System.nanoTime()). */
    private long nextOrphanSweep = System.nanoTime();

    /**
     * Starts sweeping every {@code interval}, the first sweep at once.
     *
     * @throws IllegalArgumentException when {@code interval} is not positive
     */
    public static SessionExpirySweeper start(Jdbi jdbi, Duration interval) {
        if (interval == null || interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("the session expiry sweep interval must be positive, was " + interval);
        }
        SessionExpirySweeper sweeper = new SessionExpirySweeper(jdbi);
        sweeper.timer.scheduleWithFixedDelay(sweeper::sweepLogged, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return sweeper;
    }

    /** A sweeper that sweeps only when {@link #sweep()} is called. */
    public SessionExpirySweeper(Jdbi jdbi) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "session-expiry-sweeper");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Deletes the expired offline sessions now, with their messages and inbound QoS 2 state, and the
     * stored messages nothing refers to any more.
     *
     * @return how many sessions it deleted
     */
    public int sweep() {
        Map.Entry<Integer, List<byte[]>> deleted = jdbi.inTransaction(h -> h.createQuery("""
                        WITH expired AS (
                            DELETE FROM broker_session_state
                             WHERE disconnected_at IS NOT NULL
                               AND session_expiry_seconds <> :never
                               AND disconnected_at + session_expiry_seconds * interval '1 second' <= now()
                            RETURNING client_id),
                        messages AS (
                            DELETE FROM broker_session_messages m USING expired e
                             WHERE m.client_id = e.client_id
                            RETURNING m.message_digest),
                        inbound AS (
                            DELETE FROM broker_session_inbound_qos2 q USING expired e
                             WHERE q.client_id = e.client_id)
                        SELECT (SELECT count(*) FROM expired)::int AS sessions,
                               ARRAY(SELECT DISTINCT message_digest FROM messages
                                      WHERE message_digest IS NOT NULL) AS digests""")
                .bind("never", NEVER_EXPIRES)
                .map((rs, ctx) -> Map.entry(rs.getInt("sessions"), List.of((byte[][]) rs.getArray("digests").getArray())))
                .one());
        StoredMessageRows.forgetUnreferenced(jdbi, deleted.getValue());
        return deleted.getKey();
    }

    /**
     * Deletes stored messages that nothing has referred to for {@link #ORPHAN_AGE}, up to
     * {@value #ORPHANS_PER_SWEEP}: a node that died between deleting a message's last reference and
     * deleting the message leaves one. Rare; each node looks once per {@link #ORPHAN_SWEEP_INTERVAL}.
     *
     * @return how many it deleted
     */
    public int sweepOrphanedMessages() {
        return StoredMessageRows.forgetOrphans(jdbi, ORPHAN_AGE, ORPHANS_PER_SWEEP);
    }

    private void sweepLogged() {
        try {
            int deleted = sweep();
            if (deleted > 0) {
                LOG.info("deleted {} expired offline sessions", deleted);
            }
            long now = System.nanoTime();
            if (now - nextOrphanSweep >= 0) {
                nextOrphanSweep = now + ORPHAN_SWEEP_INTERVAL.toNanos();
                int orphans = sweepOrphanedMessages();
                if (orphans > 0) {
                    LOG.info("deleted {} stored messages no session referred to", orphans);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("session expiry sweep failed; trying again at the next one", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
