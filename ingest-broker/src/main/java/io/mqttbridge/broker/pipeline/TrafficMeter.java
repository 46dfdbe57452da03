package io.mqttbridge.broker.pipeline;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * Counts connections and the bytes read from and written to them, for the {@link WireFormatCheck}
 * that sees every raw byte of a connection (one meter for all connections). Outbound bytes and
 * messages, and inbound messages, are collected per connection in its {@code UnmarkedTraffic} and
 * added to the meters once per flush and once per end of a read.
 *
 * <p>Called on each connection's event loop.
 */
public final class TrafficMeter {

    private final BrokerMetrics metrics;

    public TrafficMeter(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    void opened() {
        metrics.connectionOpened();
    }

    void closed(Channel channel) {
        metrics.connectionClosed();
        ClientConnection connection = ClientConnection.of(channel);
        if (connection != null) {
            connection.traffic().markInbound(metrics);
            connection.traffic().markOutbound(metrics);
        }
    }

    void read(Object msg) {
        if (msg instanceof ByteBuf buf) {
            metrics.bytesIn(buf.readableBytes());
        }
    }

    void readComplete(Channel channel) {
        ClientConnection connection = ClientConnection.of(channel);
        if (connection != null) {
            connection.traffic().markInbound(metrics);
        }
    }

    void written(Channel channel, Object msg) {
        if (msg instanceof ByteBuf buf) {
            ClientConnection connection = ClientConnection.of(channel);
            if (connection != null) {
                connection.traffic().bytesOut(buf.readableBytes());
            } else {
                metrics.bytesOut(buf.readableBytes());
            }
        }
    }

    void flushed(Channel channel) {
        ClientConnection connection = ClientConnection.of(channel);
        if (connection != null) {
            connection.traffic().markOutbound(metrics);
        }
    }
}
