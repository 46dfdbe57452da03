package io.mqttbridge.broker.limits.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes the broker holds for connections until more of them arrive, over all connections, against one
 * bound: {@code limits.maxPendingConnectBytes} for what clients send before their CONNECT
 * ({@link PreConnectByteCounter}), {@code limits.maxPendingPacketBytes} for the MQTT packets that are
 * incomplete after it (counted by the wire-format check in front of the decoder, which holds them). A
 * packet may be as large as {@code maxPacketSize}, and until it is complete the broker holds what came of
 * it: without a bound over all connections, anyone able to open connections could send most of a large
 * packet on each and stall, and fill the memory every client needs (measured: 4,000 stalled CONNECTs left
 * every event loop waiting for direct memory for good; 2,050 connected clients stalled 1,000 bytes short
 * of a 261,000-byte PUBLISH filled the launcher's 512 MiB of direct memory, and every new connection got
 * a reset). {@link ConnectionShare} reserves each connection's bytes and gives them back when what they
 * were waiting for arrives or the connection closes.
 *
 * <p>When a read does not fit, the connections that have waited longest (for their CONNECT, or for the
 * rest of their current packet) are closed to make room for it, oldest first. Real clients send a
 * packet within milliseconds of its start, so a full bound means a flood of stalled ones, and its oldest
 * connections are the flood's: new clients keep getting in while it lasts (refusing the read instead
 * shut everyone out until the flood's connections timed out). A read that does not fit even with every
 * other connection gone closes its own connection. A closed connection's memory goes only once its own
 * event loop has handled the close, so its bytes stay counted until then, as "closing": the bytes of the
 * connections not closing stay within the bound, and all of them within twice the bound. Each close is
 * counted, and logged as a warning at most every {@value #WARN_INTERVAL_SECONDS} s while they go on.
 *
 * <p>Threading: called from every event loop; an atomic counter, and a concurrent map of the
 * connections holding bytes, looked at only when the bound is full.
 */
public final class PendingBytes {

    /** A connection holding bytes until more of them arrive. */
    public interface Holder {
        /**
         * Closes the connection, from any thread, its bytes {@linkplain PendingBytes#closing closing} until
         * the close is handled; false when what it waited for arrived or it closed meanwhile (then it is
         * left alone).
         */
        boolean evict();
    }

    static final long WARN_INTERVAL_SECONDS = 10;
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(WARN_INTERVAL_SECONDS);
    private static final Logger LOG = LoggerFactory.getLogger(PendingBytes.class);

    private final long maxBytes;
    private final String key;
    private final String what;
    private final Runnable onRefused;
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
    private final AtomicLong refusedSinceWarning = new AtomicLong();
    private final AtomicLong reserved = new AtomicLong();
    /* Bytes of connections closed for want of room whose close their event loop has not handled yet. */
    private final AtomicLong closing = new AtomicLong();
    /* The connections holding bytes by the order of their first read: the oldest first. */
    private final ConcurrentSkipListMap<Long, Holder> holders = new ConcurrentSkipListMap<>();
    private final AtomicLong places = new AtomicLong();

    /**
     * @param maxBytes the bound; 0 = none
     * @param key its configuration key under {@code limits}, for the warning
     * @param what the bytes it bounds, for the warning ("bytes sent before CONNECT")
     * @param onRefused counts a connection closed for want of room
     */
    public PendingBytes(long maxBytes, String key, String what, Runnable onRefused) {
        this.maxBytes = maxBytes;
        this.key = key;
        this.what = what;
        this.onRefused = onRefused;
    }

    /**
     * Makes {@code holder} one that may be closed to make room, after the ones entered before it;
     * returns its place, for {@link #tryReserve} and {@link #leave}.
     */
    public long enter(Holder holder) {
        long place = places.incrementAndGet();
        holders.put(place, holder);
        return place;
    }

    /** The connection at {@code place} waits no more (what it waited for arrived, or it closed). */
    public void leave(long place) {
        holders.remove(place);
    }

    /**
     * Reserves {@code bytes} received by the connection at {@code place} (0 when it has not
     * {@linkplain #enter entered}), which holds {@code held} already, closing the oldest other
     * connections holding bytes when they do not fit; false (counted) when they do not fit even so,
     * could not fit with no other connection at all, or the connections being closed already hold as
     * much as the bound.
     */
    public boolean tryReserve(long place, long held, long bytes) {
        if (maxBytes <= 0 || reserve(bytes)) {
            return true;
        }
        if (held + bytes > maxBytes || reserved.get() + bytes > 2 * maxBytes) {
            // It cannot fit even alone, or closes already under way fill the overdraft: closing more would not help.
            refused();
            return false;
        }
        for (Map.Entry<Long, Holder> oldest : holders.entrySet()) {
            // remove(key, value): of two reads racing for the same victim, one closes it.
            if (oldest.getKey() != place && holders.remove(oldest.getKey(), oldest.getValue())) {
                if (oldest.getValue().evict()) {
                    refused();
                }
                if (reserve(bytes)) {
                    return true;
                }
            }
        }
        refused();
        return false;
    }

    /** {@code bytes} of a connection being evicted no longer count against the bound, until {@link #closed}. */
    public void closing(long bytes) {
        closing.addAndGet(bytes);
    }

    /** The close of a connection evicted with {@code bytes} {@link #closing} was handled (its bytes released). */
    public void closed(long bytes) {
        closing.addAndGet(-bytes);
    }

    /** Gives back what {@link #tryReserve} took: what it waited for arrived, or its connection closed. */
    public void release(long bytes) {
        if (maxBytes > 0 && bytes > 0) {
            reserved.addAndGet(-bytes);
        }
    }

    public boolean isBounded() {
        return maxBytes > 0;
    }

    /** The bytes reserved now. */
    public long reserved() {
        return reserved.get();
    }

    private boolean reserve(long bytes) {
        long now = reserved.addAndGet(bytes);
        if (now - closing.get() > maxBytes || now > 2 * maxBytes) {
            reserved.addAndGet(-bytes);
            return false;
        }
        return true;
    }

    /* Counts a connection closed for want of room, and says so now and then while it goes on. */
    private void refused() {
        onRefused.run();
        refusedSinceWarning.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warn("Closed {} connection(s) since the last warning: the {} over all connections reached "
                    + "limits.{} ({} bytes); the connections that had waited longest were closed first (a flood "
                    + "of stalled clients, or raise the bound)", refusedSinceWarning.getAndSet(0), what, key, maxBytes);
        }
    }
}
