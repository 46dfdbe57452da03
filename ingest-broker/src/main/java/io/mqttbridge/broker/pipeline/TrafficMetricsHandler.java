package io.mqttbridge.broker.pipeline;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.metrics.UnmarkedTraffic;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts bytes read from and written to the socket; sits at the head of the pipeline. Outbound bytes
 * and messages, and inbound messages, are collected per connection in its {@link UnmarkedTraffic} and
 * added to the meters once per flush and once per end of a read.
 */
@ChannelHandler.Sharable
public final class TrafficMetricsHandler extends ChannelDuplexHandler {

    private final BrokerMetrics metrics;

    public TrafficMetricsHandler(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        metrics.connectionClosed();
        ClientConnection connection = ClientConnection.of(ctx.channel());
        if (connection != null) {
            connection.traffic().markInbound(metrics);
            connection.traffic().markOutbound(metrics);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            metrics.bytesIn(buf.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ClientConnection connection = ClientConnection.of(ctx.channel());
        if (connection != null) {
            connection.traffic().markInbound(metrics);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            ClientConnection connection = ClientConnection.of(ctx.channel());
            if (connection != null) {
                connection.traffic().bytesOut(buf.readableBytes());
            } else {
                metrics.bytesOut(buf.readableBytes());
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ClientConnection connection = ClientConnection.of(ctx.channel());
        if (connection != null) {
            connection.traffic().markOutbound(metrics);
        }
        ctx.flush();
    }
}
