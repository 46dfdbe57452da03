package io.mqttbridge.testing.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** Loopback ports for processes a test starts and configures before they bind. */
public final class FreePorts {

    /*
     * Below Linux's default ephemeral range (32768-60999): a port the kernel hands out for any
     * process's outgoing connection (a Kafka or PostgreSQL client in another test process) can never
     * be one of these, which is how a port picked with new ServerSocket(0) was once taken between the
     * pick and the bind (HaproxyClusterTest, "Address already in use").
     */
    private static final int FIRST = 20_000;
    private static final int LAST = 32_767;
    private static final int ATTEMPTS = 500;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /**
     * A port that was free a moment ago, outside the ephemeral range and never handed out before by
     * this JVM. The caller's process binds it later, so another listener could still take it in
     * between; tests accept that small race in exchange for fixed configuration.
     */
    public static int pick() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = random.nextInt(FIRST, LAST + 1);
            if (!HANDED_OUT.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Whether nothing listens on the port, on any address (a wildcard bind conflicts with every listener). */
    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
