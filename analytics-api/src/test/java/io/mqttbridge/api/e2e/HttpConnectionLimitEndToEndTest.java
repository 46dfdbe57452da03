package io.mqttbridge.api.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code apiMaxConnections} (4 here) on the real application: with 4 connections held open on the API
 * port (a request never finished, as a flood would hold them), a fifth connection's request is not
 * served; the admin port, bounded on its own, still answers; once one held connection closes, the
 * waiting request is served. Every connection is a file descriptor the embedded Kafka may need.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class HttpConnectionLimitEndToEndTest {

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-connection-limit-config.yml", "bridge_conns");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    @Test
    void aFullApiPortServesTheNextRequestOnlyOnceAConnectionClosesAndTheAdminPortStillAnswers() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket("127.0.0.1", APP.getLocalPort());
                socket.getOutputStream().write("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                held.add(socket);
            }
            try (Socket fifth = new Socket("127.0.0.1", APP.getLocalPort())) {
                fifth.getOutputStream().write(healthRequest());
                fifth.setSoTimeout(1500);
                assertThat(firstLineOrTimeout(fifth.getInputStream())).as("not served while 4 are open").isNull();

                try (Socket admin = new Socket("127.0.0.1", APP.getAdminPort())) {
                    admin.getOutputStream().write("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    admin.setSoTimeout(10_000);
                    assertThat(firstLineOrTimeout(admin.getInputStream())).startsWith("HTTP/1.1 200");
                }

                held.remove(0).close();
                fifth.setSoTimeout(0);
                CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> firstLineOrTimeout(inputOf(fifth)));
                await("served once a connection closed").atMost(Duration.ofSeconds(10)).until(answer::isDone);
                assertThat(answer.join()).as("an answer, whatever the health").startsWith("HTTP/1.1 ");
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }

    private static byte[] healthRequest() {
        return "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }

    private static InputStream inputOf(Socket socket) {
        try {
            return socket.getInputStream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The status line, or {@code null} when nothing came within the socket's timeout. */
    private static String firstLineOrTimeout(InputStream in) {
        StringBuilder line = new StringBuilder();
        try {
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                line.append((char) c);
            }
            return line.toString().strip();
        } catch (SocketTimeoutException nothing) {
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
