package io.mqttbridge.broker.limits.internal;

/**
 * A token bucket: {@code ratePerSecond} tokens a second, at most {@code capacity} saved up.
 * Not thread-safe: confine it to one thread (an event loop) or guard it.
 */
public final class TokenBucket {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double ratePerNano;
    private final double capacity;
    private double tokens;
    private long lastRefill;

    /** @param capacity the burst; 0 means one second's worth of tokens */
    public TokenBucket(long ratePerSecond, long capacity, long nowNanos) {
        this.ratePerNano = (double) ratePerSecond / NANOS_PER_SECOND;
        this.capacity = capacity > 0 ? capacity : ratePerSecond;
        this.tokens = this.capacity;
        this.lastRefill = nowNanos;
    }

    /**
     * Takes {@code amount} tokens if there are enough. An amount above the capacity is allowed from
     * a full bucket and leaves it in debt, so that one large item is slowed down but never refused forever.
     */
    public boolean tryTake(long amount, long nowNanos) {
        refill(nowNanos);
        if (tokens < Math.min(amount, capacity)) {
            return false;
        }
        tokens -= amount;
        return true;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastRefill;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * ratePerNano);
            lastRefill = nowNanos;
        }
    }
}
