package io.mqttbridge.broker.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The event loop groups (epoll when available, NIO otherwise) shared by all listeners, and the
 * listeners' bound channels.
 */
public final class MqttServerBootstrap {

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final boolean epoll;
    private final List<Channel> serverChannels = new CopyOnWriteArrayList<>();

    /*
     * One allocator for all client channels (each channel still gets its own handle): left unset, every
     * channel creates its own, 32 bytes per connection. Netty's default sizes, and the 16 reads per
     * wake-up a socket channel's own allocator gets from its channel metadata. Shared, so no channel
     * may change it through its config (nothing here does).
     */
    private static final RecvByteBufAllocator RECEIVE_BUFFERS = new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(16);

    public MqttServerBootstrap(int workerThreads) {
        this.epoll = Epoll.isAvailable();
        var factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("mqtt-boss"), factory);
        this.workerGroup = new MultiThreadIoEventLoopGroup(workerThreads, new DefaultThreadFactory("mqtt-worker"), factory);
    }

    public EventLoopGroup workerGroup() {
        return workerGroup;
    }

    /**
     * Binds one more listener and blocks until bound. On failure, the caller shuts everything down.
     *
     * @param initializer builds each accepted connection's pipeline (the broker passes its
     *     {@code pipeline.MqttChannelInitializer}; taken as a plain handler so this package stays below it)
     *
     * @throws IllegalStateException naming the address when binding fails
     */
    public InetSocketAddress bind(String host, int port, ChannelHandler initializer) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
                .childHandler(initializer);
        Channel serverChannel;
        try {
            serverChannel = bootstrap.bind(host, port).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw new IllegalStateException("MQTT broker cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        serverChannels.add(serverChannel);
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public void closeListener() {
        for (Channel serverChannel : serverChannels) {
            serverChannel.close().syncUninterruptibly();
        }
        serverChannels.clear();
    }

    public void shutdown() {
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
