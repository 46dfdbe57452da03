package io.mqttbridge.broker.session;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the messages sessions hold take of the heap, over all sessions, against {@code
 * broker.maxQueuedHeapPercent}: those waiting in their queues ({@link OutboundQueue}) and those sent
 * and not acknowledged yet ({@link UnacknowledgedDeliveries}), which stay until the client acknowledges
 * them or its session ends. The per-session bounds alone let a fleet of offline sessions (or a few
 * identities that subscribe widely and stay away, or never acknowledge) hold more than the heap, and an
 * out-of-memory error takes down every client of the node. A message held by many sessions is one
 * payload in memory, so it is counted once (while any session holds it), and each hold adds its own
 * small cost.
 *
 * <p>Adding and removing are a {@link LongAdder} each, cheap on every event loop; whether the bound is
 * reached is decided by {@link #refresh()} (every few tens of milliseconds) and read as one volatile
 * field, so a burst can pass the bound by what arrives within one refresh.
 */
public final class QueuedMemory {

    /** How far behind (queued bytes) a connected client may be before the bound applies to it too. */
    static final long CONNECTED_SLACK_BYTES = 1024 * 1024;

    /* Per hold: the OutboundDelivery object and its slot (in the queue or among the unacknowledged). */
    static final int ENTRY_BYTES = 64;

    /* How often the bound is decided again: a burst may pass it by what arrives in this long. */
    static final long REFRESH_MILLIS = 20;

    /*
     * How far past the bound the messages read back from the session store for connected clients may
     * take the count: a quarter of it. The bound may be full of offline sessions' messages, which stay;
     * clients draining their backlog need room whatever those hold, but not a page each: after a fleet
     * reconnects, thousands of sessions read back at once.
     */
    static final int READ_BACK_ROOM_DIVISOR = 4;

    private final long maxBytes;
    private final LongAdder bytes = new LongAdder();
    /* Bytes of the pages being read back now (reserved when a read starts, released when it is queued). */
    private final AtomicLong readingBack = new AtomicLong();
    private volatile boolean full;
    private ScheduledFuture<?> refreshing;

    /** @param maxBytes the bound; 0 = none */
    public QueuedMemory(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The bound from the share of the JVM's maximum heap ({@code maxQueuedHeapPercent}); 0 percent = none. */
    public static QueuedMemory ofHeapPercent(int percent) {
        return new QueuedMemory(percent <= 0 ? 0 : Runtime.getRuntime().maxMemory() / 100 * percent);
    }

    /** A session holds {@code delivery} now (queued, or sent and not acknowledged). */
    void held(OutboundDelivery delivery) {
        long added = ENTRY_BYTES;
        if (delivery.message.addQueueHold(1) == 1) {
            added += delivery.message.heapBytes();
        }
        bytes.add(added);
    }

    /** A session no longer holds {@code delivery} (it moved on, was acknowledged or dropped). */
    void released(OutboundDelivery delivery) {
        long removed = ENTRY_BYTES;
        if (delivery.message.addQueueHold(-1) == 0) {
            removed += delivery.message.heapBytes();
        }
        bytes.add(-removed);
    }

    /** Whether the bound was reached at the last {@link #refresh()}. */
    boolean isFull() {
        return full;
    }

    /** Decides again whether the bound is reached; called every few tens of milliseconds. */
    public void refresh() {
        full = maxBytes > 0 && bytes.sum() >= maxBytes;
    }

    /** Decides the bound every {@value #REFRESH_MILLIS} ms on {@code executor} (an event loop: the sum is cheap). */
    public synchronized void startRefreshing(ScheduledExecutorService executor) {
        if (refreshing == null && maxBytes > 0) {
            refreshing = executor.scheduleWithFixedDelay(this::refresh, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    public synchronized void stopRefreshing() {
        if (refreshing != null) {
            refreshing.cancel(false);
            refreshing = null;
        }
    }

    /** The bytes counted now (a recent sum). */
    public long bytes() {
        return bytes.sum();
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Reserves {@code pageBytes} for a page read back from the session store, when what is held and being
     * read back leaves room for it below the bound and a quarter; {@code anyway} reserves it in any case
     * (a session that holds nothing else reads one message, so that every session goes on).
     *
     * @return whether it was reserved; release it with {@link #readBackDone} once the page is queued
     */
    boolean reserveReadBack(long pageBytes, boolean anyway) {
        if (maxBytes <= 0) {
            return true;
        }
        long limit = maxBytes + maxBytes / READ_BACK_ROOM_DIVISOR - bytes();
        while (true) {
            long reading = readingBack.get();
            if (!anyway && reading + pageBytes > limit) {
                return false;
            }
            if (readingBack.compareAndSet(reading, reading + pageBytes)) {
                return true;
            }
        }
    }

    /** The page of {@link #reserveReadBack} was queued (its messages are counted as held now) or not read. */
    void readBackDone(long pageBytes) {
        if (maxBytes > 0) {
            readingBack.addAndGet(-pageBytes);
        }
    }

    /** The bytes left below the bound now (0 past it); {@link Long#MAX_VALUE} without a bound. */
    public long room() {
        return maxBytes > 0 ? Math.max(0, maxBytes - bytes()) : Long.MAX_VALUE;
    }
}
