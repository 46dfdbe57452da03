package io.mqttbridge.kafka.mirror.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes handed to the sink but not yet acknowledged by Kafka, with the back-pressure signal
 * derived from them: not accepting above the high-water mark until below the low-water mark again
 * (hysteresis, so the broker does not flap between reading and not reading), and a hard limit
 * beyond which {@link #tryAcquire} refuses, so memory stays bounded whatever the broker does.
 *
 * <p>Thread-safe and lock-free on the common path; a state change takes a small lock and re-checks
 * after every flip, so a release racing with an acquire can never leave the signal stuck.
 * Listeners run on the thread that caused the change (an event loop or Kafka's I/O thread).
 */
public final class OutstandingBytes {

    private final AtomicLong bytes = new AtomicLong();
    private final long highWater;
    private final long lowWater;
    private final long limit;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean accepting = true;

    public OutstandingBytes(long highWater, long lowWater, long limit) {
        this.highWater = highWater;
        this.lowWater = lowWater;
        this.limit = limit;
    }

    /**
     * Counts {@code size} more bytes unless that would pass the hard limit. A single message larger
     * than the limit is still let through when nothing else is outstanding, so that it reaches Kafka
     * (which decides about its size) instead of being refused forever.
     */
    public boolean tryAcquire(long size) {
        while (true) {
            long current = bytes.get();
            if (current > 0 && current + size > limit) {
                return false;
            }
            if (bytes.compareAndSet(current, current + size)) {
                update();
                return true;
            }
        }
    }

    public void release(long size) {
        bytes.addAndGet(-size);
        update();
    }

    public long current() {
        return bytes.get();
    }

    public boolean isAccepting() {
        return accepting;
    }

    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    private void update() {
        long now = bytes.get();
        if (accepting ? now <= highWater : now >= lowWater) {
            return;
        }
        boolean changed = false;
        synchronized (this) {
            while (true) {
                now = bytes.get();
                if (accepting && now > highWater) {
                    accepting = false;
                } else if (!accepting && now < lowWater) {
                    accepting = true;
                } else {
                    break;
                }
                changed = true;
            }
        }
        if (changed) {
            listeners.forEach(Runnable::run);
        }
    }
}
