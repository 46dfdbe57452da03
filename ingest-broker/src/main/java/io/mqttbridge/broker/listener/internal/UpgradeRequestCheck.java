package io.mqttbridge.broker.listener.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses a WebSocket upgrade request that the HTTP decoder could not read whole (431 for headers over
 * its limit, 400 otherwise) before Netty's WebSocket handler sees it: that handler does not look at the
 * decoding's result, so an upgrade with a 200 KB header after the WebSocket ones was answered 101 with
 * what was read before the limit (without the {@code mqtt} subprotocol the client asked for), and the
 * rest of the header was then read as WebSocket frames. Removed once a request passes: it costs a
 * connection nothing afterwards.
 */
public final class UpgradeRequestCheck extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpObject http && http.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            HttpResponseStatus status = http.decoderResult().cause() instanceof TooLongFrameException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST;
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.EMPTY_BUFFER);
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            response.headers().set(HttpHeaderNames.CONNECTION, "close");
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (msg instanceof HttpObject) {
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }
}
