package io.mqttbridge.broker.limits.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The first handler of a connection, until its CONNECT arrives: counts every byte the client sends
 * (TLS records, the WebSocket upgrade and frames, the MQTT bytes) against {@link PendingConnectBytes},
 * which bounds them over all such connections. What the decoders behind it hold for the connection is
 * at most about what it sent, so the bound holds their memory too. A read that does not fit closes the
 * connection. Removed from the pipeline when the CONNECT is decoded, which gives its bytes back, as
 * does the close.
 *
 * <p>Threading: one per connection, on its event loop.
 */
public final class PreConnectByteCounter extends ChannelInboundHandlerAdapter {

    private final PendingConnectBytes budget;
    private long held;
    private boolean refused;

    public PreConnectByteCounter(PendingConnectBytes budget) {
        this.budget = budget;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf bytes) {
            int size = bytes.readableBytes();
            if (!budget.tryReserve(size)) {
                // Too many bytes are arriving from clients that have not connected yet: a flood.
                refused = true;
                bytes.release();
                ctx.close();
                return;
            }
            held += size;
        }
        ctx.fireChannelRead(msg);
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

    private void giveBack() {
        budget.release(held);
        held = 0;
    }
}
