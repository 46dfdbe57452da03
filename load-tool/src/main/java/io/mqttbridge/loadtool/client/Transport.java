package io.mqttbridge.loadtool.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.TimeUnit;

/** The client's event loops: native epoll where available, NIO otherwise. Close it when done. */
public final class Transport implements AutoCloseable {

    private final EventLoopGroup group;
    private final boolean epoll;

    public Transport(int ioThreads) {
        this.epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("load-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    public boolean isEpoll() {
        return epoll;
    }

    public EventLoopGroup group() {
        return group;
    }

    /** A bootstrap with the socket options every load connection uses; the caller adds the handler. */
    public Bootstrap bootstrap() {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        if (epoll) {
            // Choose the source port at connect time by the whole 4-tuple, so that one source
            // address can hold more connections than the ephemeral range has ports.
            bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        return bootstrap;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
