package io.mqttbridge.broker.limits;

import io.mqttbridge.broker.metrics.LimitMetrics;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of CONNECT packets still arriving, over all connections, against
 * {@code limits.maxPendingConnectBytes}. A CONNECT may be as large as {@code maxPacketSize}, and until
 * it is complete the broker holds what came of it: without a bound over all connections, anyone able
 * to open connections could announce large CONNECTs, send most of each and stall, and fill the memory
 * every client needs, before authenticating at all. A CONNECT's announced length is reserved when its
 * fixed header arrives and given back once it is complete or its connection closes; one that does not
 * fit is refused by closing its connection. Real CONNECTs arrive within a few milliseconds, so the bound
 * only ever holds back a flood.
 *
 * <p>Threading: called from every event loop; one atomic counter.
 */
public final class PendingConnectBytes {

    /** No bound: for a broker without limits (tests of single handlers). */
    public static final PendingConnectBytes UNBOUNDED = new PendingConnectBytes(0, null);

    private final long maxBytes;
    private final LimitMetrics metrics;
    private final AtomicLong reserved = new AtomicLong();

    /** @param maxBytes the bound; 0 = none */
    PendingConnectBytes(long maxBytes, LimitMetrics metrics) {
        this.maxBytes = maxBytes;
        this.metrics = metrics;
    }

    /** Reserves {@code bytes} for a CONNECT that has begun to arrive; false (counted) when they do not fit. */
    public boolean tryReserve(int bytes) {
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

    /** Gives back what {@link #tryReserve} took: the CONNECT is complete, or its connection closed. */
    public void release(int bytes) {
        if (maxBytes > 0) {
            reserved.addAndGet(-bytes);
        }
    }

    /** The bytes reserved now. */
    public long reserved() {
        return reserved.get();
    }
}
