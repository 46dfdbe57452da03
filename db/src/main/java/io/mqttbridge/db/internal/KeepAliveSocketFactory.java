package io.mqttbridge.db.internal;

import jdk.net.ExtendedSocketOptions;

import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The sockets of every PostgreSQL connection, with TCP keepalive probes after {@code idle} seconds of
 * silence, every {@code interval} seconds, {@code count} of them (the driver's {@code socketFactory},
 * with {@code socketFactoryArg} "idle,interval,count").
 *
 * <p>Why: a connection waiting for an answer sends nothing, so when PostgreSQL's host goes away
 * without a word (power loss, a partition during which the server restarted) the read waits for ever:
 * the listener of device changes sits in such a read all the time, the history writer and the session
 * store while a statement runs. The kernel's probes find the dead peer and fail the read, and the
 * caller's own retry opens a new connection. A probe is answered by the server's kernel even while a
 * long statement (a migration's index build) runs, so, unlike a read time-out, this never cuts a
 * slow statement short.
 */
public final class KeepAliveSocketFactory extends SocketFactory {

    private final int idleSeconds;
    private final int intervalSeconds;
    private final int count;

    /** @param settings "idle,interval,count" in seconds, seconds and probes */
    public KeepAliveSocketFactory(String settings) {
        String[] parts = settings.split(",");
        if (parts.length != 3) {
            throw new IllegalArgumentException("keepalive settings must be idle,interval,count, was '" + settings + "'");
        }
        this.idleSeconds = Integer.parseInt(parts[0].trim());
        this.intervalSeconds = Integer.parseInt(parts[1].trim());
        this.count = Integer.parseInt(parts[2].trim());
    }

    /** The driver's {@code socketFactoryArg} for these settings. */
    public static String argument(int idleSeconds, int intervalSeconds, int count) {
        return idleSeconds + "," + intervalSeconds + "," + count;
    }

    @Override
    public Socket createSocket() throws IOException {
        Socket socket = new Socket();
        socket.setKeepAlive(true);
        if (socket.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
            socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, idleSeconds);
            socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, intervalSeconds);
            socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, count);
        }
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(host, port), new InetSocketAddress(localAddress, localPort));
    }

    @Override
    public Socket createSocket(InetAddress address, int port) throws IOException {
        return connected(new InetSocketAddress(address, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress address, InetSocketAddress local) throws IOException {
        Socket socket = createSocket();
        if (local != null) {
            socket.bind(local);
        }
        socket.connect(address);
        return socket;
    }
}
