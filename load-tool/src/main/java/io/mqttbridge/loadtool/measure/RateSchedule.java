package io.mqttbridge.loadtool.measure;

/**
 * When each message of a fixed-rate stream is due. Message {@code k} (from 0) is due at
 * {@code start + ceil(k * 1e9 / rate)} nanoseconds. Latency is measured from that scheduled time, not
 * from the moment the message was actually written, so that a broker that stalls the sender is
 * charged for the whole stall (no coordinated omission).
 *
 * <p>Immutable and thread-safe.
 */
public final class RateSchedule {

    private final long startNanos;
    private final double ratePerSecond;
    private final double intervalNanos;

    /**
     * @param startNanos when message 0 is due, in {@link System#nanoTime()} terms
     * @param ratePerSecond messages per second, more than 0
     */
    public RateSchedule(long startNanos, double ratePerSecond) {
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be a positive number: " + ratePerSecond);
        }
        this.startNanos = startNanos;
        this.ratePerSecond = ratePerSecond;
        this.intervalNanos = 1e9 / ratePerSecond;
    }

    public long startNanos() {
        return startNanos;
    }

    public double ratePerSecond() {
        return ratePerSecond;
    }

    /** When message {@code index} is due. */
    public long scheduledNanos(long index) {
        return startNanos + (long) Math.ceil(index * intervalNanos);
    }

    /** How many messages are due at {@code nowNanos}: those whose scheduled time is not after it. */
    public long dueCount(long nowNanos) {
        long elapsed = nowNanos - startNanos;
        if (elapsed < 0) {
            return 0;
        }
        long last = (long) Math.floor(elapsed / intervalNanos);
        // The floating-point estimate can be off by one either way at a boundary; settle it exactly.
        while (scheduledNanos(last + 1) <= nowNanos) {
            last++;
        }
        while (last >= 0 && scheduledNanos(last) > nowNanos) {
            last--;
        }
        return last + 1;
    }
}
