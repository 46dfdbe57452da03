package io.mqttbridge.broker.limits.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The first handler of a connection, until its CONNECT arrives: counts every byte the client sends
 * (TLS records, the WebSocket upgrade and frames, the MQTT bytes) against {@link PendingBytes}, which
 * bounds them over all such connections. What the decoders behind it hold for the connection is at most
 * about what it sent, so the bound holds their memory too. A read that does not fit (even after the
 * oldest stalled connections were closed for it) closes the connection. Removed from the pipeline when
 * the CONNECT is decoded, which gives its bytes back, as does the close.
 *
 * <p>Threading: one per connection, on its event loop; its share's eviction from any event loop.
 */
public final class PreConnectByteCounter extends ChannelInboundHandlerAdapter {

    private final PendingBytes budget;
    private ConnectionShare share;

    public PreConnectByteCounter(PendingBytes budget) {
        this.budget = budget;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        share = new ConnectionShare(budget, ctx.channel(), Channel::close);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (share.refused()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf bytes && !share.add(bytes.readableBytes())) {
            // Too many bytes are arriving from clients that have not connected yet: a flood. Closed by the share.
            bytes.release();
            return;
        }
        ctx.fireChannelRead(msg);
        // If its CONNECT is incomplete after this read, from now on it may be closed to make room. (Most
        // CONNECTs come in one read, decoded within it: the share is finished and does not enter.)
        share.enter();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        share.finish();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        share.finish();
    }
}
