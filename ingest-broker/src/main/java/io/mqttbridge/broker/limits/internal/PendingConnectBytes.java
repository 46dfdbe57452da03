package io.mqttbridge.broker.limits.internal;

import io.mqttbridge.broker.metrics.LimitMetrics;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes received from connections whose CONNECT has not arrived yet, over all connections, against
 * {@code limits.maxPendingConnectBytes}. A CONNECT may be as large as {@code maxPacketSize} (and a
 * WebSocket frame carrying it a little larger), and until it is complete the broker holds what came of
 * it: without a bound over all connections, anyone able to open connections could send most of a large
 * CONNECT on each and stall, and fill the memory every client needs, before authenticating at all
 * (measured: 4,000 such connections left every event loop waiting for direct memory for good).
 * {@link PreConnectByteCounter} reserves each read and gives its
 * bytes back when the CONNECT arrives or the connection closes; a read that does not fit closes its
 * connection. Real clients send their CONNECT within milliseconds, so only a flood meets the bound.
 *
 * <p>Threading: called from every event loop; one atomic counter.
 */
public final class PendingConnectBytes {

    private final long maxBytes;
    private final LimitMetrics metrics;
    private final AtomicLong reserved = new AtomicLong();

    /** @param maxBytes the bound; 0 = none */
    public PendingConnectBytes(long maxBytes, LimitMetrics metrics) {
        this.maxBytes = maxBytes;
        this.metrics = metrics;
    }

    /** Reserves {@code bytes} received before a CONNECT; false (counted) when they do not fit. */
    public boolean tryReserve(long bytes) {
        if (maxBytes <= 0) {
            return true;
        }
        if (reserved.addAndGet(bytes) > maxBytes) {
            reserved.addAndGet(-bytes);
            metrics.pendingConnectBytesRefused();
            return false;
        }
        return true;
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
}
