package io.mqttbridge.broker.limits.internal;

import io.mqttbridge.broker.metrics.LimitMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes received from connections whose CONNECT has not arrived yet, over all connections, against
 * {@code limits.maxPendingConnectBytes}. A CONNECT may be as large as {@code maxPacketSize} (and a
 * WebSocket frame carrying it a little larger), and until it is complete the broker holds what came of
 * it: without a bound over all connections, anyone able to open connections could send most of a large
 * CONNECT on each and stall, and fill the memory every client needs, before authenticating at all
 * (measured: 4,000 such connections left every event loop waiting for direct memory for good).
 * {@link PreConnectByteCounter} reserves each read and gives its bytes back when the CONNECT arrives or
 * the connection closes.
 *
 * <p>When a read does not fit, the connections that have waited longest for their CONNECT to complete
 * are closed to make room for it, oldest first. Real clients send their CONNECT within milliseconds, so
 * a full bound means a flood of stalled ones, and its oldest connections are the flood's: new clients
 * keep getting in while it lasts (refusing the read instead shut everyone out until the flood's
 * connections timed out). A read that does not fit even with every other connection gone closes its
 * own connection. A closed connection's memory goes only once its own event loop has handled the
 * close, so its bytes stay counted until then, as "closing": the bytes of the connections not closing
 * stay within the bound, and all of them within twice the bound.
 *
 * <p>Threading: called from every event loop; an atomic counter, and a concurrent map of the
 * connections holding bytes, looked at only when the bound is full.
 */
public final class PendingConnectBytes {

    /** A connection holding bytes received before its CONNECT. */
    public interface Holder {
        /**
         * Closes the connection, from any thread, its bytes {@linkplain PendingConnectBytes#closing
         * closing} until the close is handled; false when its CONNECT arrived or it closed meanwhile
         * (then it is left alone).
         */
        boolean evict();
    }

    private final long maxBytes;
    private final LimitMetrics metrics;
    private final AtomicLong reserved = new AtomicLong();
    /* Bytes of connections closed for want of room whose close their event loop has not handled yet. */
    private final AtomicLong closing = new AtomicLong();
    /* The connections holding bytes by the order of their first read: the oldest first. */
    private final ConcurrentSkipListMap<Long, Holder> holders = new ConcurrentSkipListMap<>();
    private final AtomicLong places = new AtomicLong();

    /** @param maxBytes the bound; 0 = none */
    public PendingConnectBytes(long maxBytes, LimitMetrics metrics) {
        this.maxBytes = maxBytes;
        this.metrics = metrics;
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

    /** The connection at {@code place} holds nothing any more (its CONNECT arrived, or it closed). */
    public void leave(long place) {
        holders.remove(place);
    }

    /**
     * Reserves {@code bytes} received before a CONNECT by the connection at {@code place} (0 when it has
     * not {@linkplain #enter entered}), which holds {@code held} already, closing the oldest other
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
            metrics.pendingConnectBytesRefused();
            return false;
        }
        for (Map.Entry<Long, Holder> oldest : holders.entrySet()) {
            // remove(key, value): of two reads racing for the same victim, one closes it.
            if (oldest.getKey() != place && holders.remove(oldest.getKey(), oldest.getValue())) {
                if (oldest.getValue().evict()) {
                    metrics.pendingConnectBytesRefused();
                }
                if (reserve(bytes)) {
                    return true;
                }
            }
        }
        metrics.pendingConnectBytesRefused();
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

    /** Gives back what {@link #tryReserve} took: the CONNECT arrived, or its connection closed. */
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
}
