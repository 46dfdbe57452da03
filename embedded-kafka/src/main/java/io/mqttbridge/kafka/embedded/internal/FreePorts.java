package io.mqttbridge.kafka.embedded.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Picks ports that are free at the moment of asking. Kafka cannot report the port it bound when
 * configured with 0, so the embedded broker asks here and retries when another process wins the
 * race for the port in between.
 */
public final class FreePorts {

    private FreePorts() {
    }

    public static int pick(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + host, e);
        }
    }
}
