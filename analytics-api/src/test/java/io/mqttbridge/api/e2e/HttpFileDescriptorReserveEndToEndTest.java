package io.mqttbridge.api.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.config.HttpConnectionLimits;
import io.mqttbridge.api.testing.FreshBridgeApp;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code limits.fileDescriptorReserve} on the HTTP connectors of the real application, on real
 * descriptors. The reserve leaves the application room to start; the test then opens files in this
 * JVM (the application's process) up to a few descriptors short of the limit less the reserve, as MQTT
 * connections would. HTTP connections are served until the process holds its limit less the reserve;
 * the next one, on the API port or the admin port, is closed at once without an answer, and once the
 * files close, requests are served again: the process, its embedded Kafka included, keeps running.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class HttpFileDescriptorReserveEndToEndTest {

    private static final UnixOperatingSystemMXBean OS =
            (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    /* More than the application opens while it starts (jars, Kafka's logs, PostgreSQL connections). */
    private static final int ROOM_TO_START = 2_000;
    /* Left below the line once the test filled the process: room for a few HTTP connections. */
    private static final int ROOM_FOR_CONNECTIONS = 30;
    private static final byte[] PING = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static int reserve;

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-fresh-install-config.yml", "bridge_fds");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension(ConfigOverride.config(
            "broker.limits.fileDescriptorReserve", HttpFileDescriptorReserveEndToEndTest::reserve));

    private final List<Closeable> open = new ArrayList<>();

    /* Read as the application starts: the process may then open ROOM_TO_START more descriptors. */
    private static String reserve() {
        reserve = (int) (OS.getMaxFileDescriptorCount() - OS.getOpenFileDescriptorCount() - ROOM_TO_START);
        return Integer.toString(reserve);
    }

    @AfterEach
    void closeAll() throws IOException {
        for (Closeable closeable : open) {
            closeable.close();
        }
    }

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    @Test
    void httpConnectionsThatWouldTakeTheReservedDescriptorsAreClosedAtOnce() throws Exception {
        long line = OS.getMaxFileDescriptorCount() - reserve;
        List<Closeable> files = fillUpTo(line - ROOM_FOR_CONNECTIONS);

        long openAtFirstRefusal = -1;
        int served = 0;
        for (int i = 0; i < 200 && openAtFirstRefusal < 0; i++) {
            String status = statusOrClosed(APP.getLocalPort());
            if (status == null) {
                openAtFirstRefusal = OS.getOpenFileDescriptorCount();
            } else {
                assertThat(status).startsWith("HTTP/1.1 ");
                served++;
            }
        }
        assertThat(openAtFirstRefusal).as("an API connection was closed at once").isPositive();
        // The test's own sockets are in this process too, so it may hold a little more, never less.
        assertThat(openAtFirstRefusal).as("only once the process held its limit less the reserve")
                .isGreaterThanOrEqualTo(line);
        assertThat(served).as("connections were served up to then").isPositive();
        assertThat(statusOrClosed(APP.getAdminPort())).as("the admin port keeps the reserve too").isNull();
        assertThat(APP.getEnvironment().metrics().meter(HttpConnectionLimits.FILE_DESCRIPTORS_REFUSED).getCount())
                .isEqualTo(2);

        for (Closeable file : files) {
            file.close();
        }
        await("served again once the files closed").atMost(Duration.ofSeconds(10))
                .until(() -> statusOrClosed(APP.getLocalPort()) != null);
        assertThat(statusOrClosed(APP.getAdminPort())).startsWith("HTTP/1.1 200");
    }

    /** Opens files in this process until it holds {@code target} descriptors. */
    private List<Closeable> fillUpTo(long target) throws IOException {
        long missing = target - OS.getOpenFileDescriptorCount();
        assertThat(missing).as("the application started within ROOM_TO_START descriptors").isPositive();
        List<Closeable> files = new ArrayList<>();
        for (long i = 0; i < missing; i++) {
            FileChannel file = FileChannel.open(Path.of("/dev/null"));
            files.add(file);
            open.add(file);
        }
        return files;
    }

    /**
     * The status line of a request on a new connection, kept open afterwards (keep-alive) as a client
     * holding descriptors would; {@code null} when the server closed the connection without answering.
     */
    private String statusOrClosed(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        open.add(socket);
        socket.setSoTimeout(10_000);
        try {
            socket.getOutputStream().write(PING);
            // Only the status line is read: the rest of the answer may stay unread on a held connection.
            BufferedReader in = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String status = in.readLine();
            return status == null || status.isEmpty() ? null : status.strip();
        } catch (SocketTimeoutException neither) {
            throw neither;
        } catch (IOException closed) {
            return null;
        }
    }
}
