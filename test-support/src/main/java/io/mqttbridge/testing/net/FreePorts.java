package io.mqttbridge.testing.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Loopback ports for processes a test starts and configures before they bind. */
public final class FreePorts {

    private FreePorts() {
    }

    /**
     * A port that was free a moment ago. The caller's process binds it later, so another process
     * could take it in between; tests accept that small race in exchange for fixed configuration.
     */
    public static int pick() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
