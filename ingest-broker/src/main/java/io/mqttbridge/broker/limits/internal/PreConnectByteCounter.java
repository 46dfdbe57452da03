package io.mqttbridge.broker.limits.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The first handler of a connection, until its CONNECT arrives: counts every byte the client sends
 * (TLS records, the WebSocket upgrade and frames, the MQTT bytes) against {@link PendingConnectBytes},
 * which bounds them over all such connections. What the decoders behind it hold for the connection is
 * at most about what it sent, so the bound holds their memory too. A read that does not fit (even after
 * the oldest stalled connections were closed for it) closes the connection. Removed from the pipeline
 * when the CONNECT is decoded, which gives its bytes back, as does the close.
 *
 * <p>Threading: one per connection, on its event loop; {@link #evict} from any event loop.
 */
public final class PreConnectByteCounter extends ChannelInboundHandlerAdapter implements PendingConnectBytes.Holder {

    private static final long NOT_ENTERED = 0;
    private static final long NOT_EVICTED = -1;
    private static final long GIVEN_BACK = -2;
    private static final int COUNTING = 0;
    /* Its CONNECT arrived or it closed: an eviction racing with that must not close it. */
    private static final int FINISHED = 1;
    /* Closed for want of room. */
    private static final int REFUSED = 2;

    private final PendingConnectBytes budget;
    private final AtomicInteger state = new AtomicInteger(COUNTING);
    private final AtomicLong held = new AtomicLong();
    /* What an eviction (another event loop) declared closing; GIVEN_BACK once giveBack ran. */
    private final AtomicLong evictedBytes = new AtomicLong(NOT_EVICTED);
    private long place = NOT_ENTERED;
    private volatile Channel channel;

    public PreConnectByteCounter(PendingConnectBytes budget) {
        this.budget = budget;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state.get() == REFUSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf bytes) {
            int size = bytes.readableBytes();
            if (!budget.tryReserve(place, held.get(), size)) {
                // Too many bytes are arriving from clients that have not connected yet: a flood.
                state.set(REFUSED);
                bytes.release();
                ctx.close();
                return;
            }
            held.addAndGet(size);
        }
        ctx.fireChannelRead(msg);
        if (place == NOT_ENTERED && state.get() == COUNTING) {
            // Its CONNECT is incomplete after this read: from now on it may be closed to make room. (Most
            // CONNECTs come in one read, decoded within it, and never get here.)
            place = budget.enter(this);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        giveBack();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        giveBack();
    }

    @Override
    public boolean evict() {
        if (!state.compareAndSet(COUNTING, REFUSED)) {
            return false;
        }
        long bytes = held.get();
        budget.closing(bytes);
        if (!evictedBytes.compareAndSet(NOT_EVICTED, bytes)) {
            // Its CONNECT was decoded (or it closed) in the meantime, and its bytes are given back already.
            budget.closed(bytes);
            return false;
        }
        channel.close();
        return true;
    }

    /* On the event loop: the CONNECT arrived, or the close (this handler's own, or an eviction's) was handled. */
    private void giveBack() {
        state.compareAndSet(COUNTING, FINISHED);
        if (place != NOT_ENTERED) {
            budget.leave(place);
            place = NOT_ENTERED;
        }
        budget.release(held.getAndSet(0));
        long closing = evictedBytes.getAndSet(GIVEN_BACK);
        if (closing > 0) {
            budget.closed(closing);
        }
    }
}
