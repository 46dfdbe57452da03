package io.mqttbridge.broker.limits.internal;

import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One connection's bytes in a {@link PendingBytes} bound: what it holds, whether it may be closed to make
 * room (only while it waits for more bytes), and the hand-over of its bytes when another event loop closes
 * it for room. {@link PreConnectByteCounter} keeps one until the CONNECT arrives; the wire-format check
 * keeps one (through {@code limits.IncompletePacketBytes}) for the packets that are incomplete after it.
 *
 * <p>Threading: everything but {@link #evict} on the connection's event loop; {@link #evict} from any.
 */
public final class ConnectionShare implements PendingBytes.Holder {

    private static final long NOT_ENTERED = 0;
    private static final long NOT_EVICTED = -1;
    private static final long GIVEN_BACK = -2;
    private static final int COUNTING = 0;
    /* What it waited for arrived for good (the CONNECT), or it closed: an eviction racing with that leaves it. */
    private static final int FINISHED = 1;
    /* Closed for want of room. */
    private static final int REFUSED = 2;

    private final PendingBytes budget;
    private final Channel channel;
    private final Consumer<Channel> close;
    private final AtomicInteger state = new AtomicInteger(COUNTING);
    private final AtomicLong held = new AtomicLong();
    /* What an eviction (another event loop) declared closing; GIVEN_BACK once finish ran. */
    private final AtomicLong evictedBytes = new AtomicLong(NOT_EVICTED);
    private long place = NOT_ENTERED;

    /** @param close how the connection is closed for want of room, on any thread */
    public ConnectionShare(PendingBytes budget, Channel channel, Consumer<Channel> close) {
        this.budget = budget;
        this.channel = channel;
        this.close = close;
    }

    /** Whether the connection was closed for want of room. */
    public boolean refused() {
        return state.get() == REFUSED;
    }

    /**
     * Reserves {@code bytes} a read brought, closing the connections that have waited longest when they do
     * not fit; false when they do not fit even so: this connection is then closed.
     */
    public boolean add(long bytes) {
        if (!budget.tryReserve(place, held.get(), bytes)) {
            if (state.compareAndSet(COUNTING, REFUSED)) {
                close.accept(channel);
            }
            return false;
        }
        held.addAndGet(bytes);
        return true;
    }

    /**
     * What it holds waits for more bytes: from now on it may be closed to make room, after the connections
     * that began waiting before it.
     */
    public void enter() {
        if (place == NOT_ENTERED && state.get() == COUNTING) {
            place = budget.enter(this);
        }
    }

    /** What it waited for arrived for good, or it closed: gives its bytes back. Idempotent. */
    public void finish() {
        state.compareAndSet(COUNTING, FINISHED);
        leave();
        budget.release(held.getAndSet(0));
        long closing = evictedBytes.getAndSet(GIVEN_BACK);
        if (closing > 0) {
            budget.closed(closing);
        }
    }

    /**
     * At the end of a read, its incomplete packet holds {@code bytes} (0: none); {@code newPacket} when that
     * packet began in this read. Takes what more it holds (closing the connection when that does not fit) or
     * gives back what less.
     */
    public void holding(long bytes, boolean newPacket) {
        if (state.get() != COUNTING) {
            return;
        }
        if (newPacket || bytes == 0) {
            // The packet it waited for is complete: a new one waits from now, behind every other.
            leave();
        }
        long more = bytes - held.get();
        if (more > 0 && !add(more)) {
            return;
        }
        if (more < 0) {
            held.addAndGet(more);
            budget.release(-more);
        }
        if (bytes > 0) {
            enter();
        }
    }

    @Override
    public boolean evict() {
        if (!state.compareAndSet(COUNTING, REFUSED)) {
            return false;
        }
        long bytes = held.get();
        budget.closing(bytes);
        if (!evictedBytes.compareAndSet(NOT_EVICTED, bytes)) {
            // What it waited for arrived (or it closed) in the meantime, and its bytes are given back already.
            budget.closed(bytes);
            return false;
        }
        close.accept(channel);
        return true;
    }

    private void leave() {
        if (place != NOT_ENTERED) {
            budget.leave(place);
            place = NOT_ENTERED;
        }
    }
}
