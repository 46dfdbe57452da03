package io.mqttbridge.broker.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;

/**
 * TCP keepalive probes on one connection, so that a peer that vanished without closing (power lost,
 * network cut, NAT entry forgotten) is found: the kernel probes a connection silent for half the
 * timeout, then every sixth of it, and fails the socket after three probes without an answer, so
 * about the timeout after the peer's last sign of life. A probe is answered by the peer's kernel, so
 * a live client pays nothing but a few bytes while it is idle.
 */
public final class TcpKeepAlive {

    private static final int PROBES = 3;

    private TcpKeepAlive() {
    }

    /** Sets the probes on {@code channel} (keepalive itself is on for every accepted connection). Event loop only. */
    public static void probe(Channel channel, int timeoutSeconds) {
        int idle = Math.max(1, timeoutSeconds / 2);
        int interval = Math.max(1, timeoutSeconds / 6);
        ChannelConfig config = channel.config();
        if (channel instanceof EpollSocketChannel) {
            config.setOption(EpollChannelOption.TCP_KEEPIDLE, idle);
            config.setOption(EpollChannelOption.TCP_KEEPINTVL, interval);
            config.setOption(EpollChannelOption.TCP_KEEPCNT, PROBES);
        } else {
            // NIO: the JDK's own options, where the platform has them (Linux and macOS do).
            config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), idle);
            config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), interval);
            config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), PROBES);
        }
    }
}
