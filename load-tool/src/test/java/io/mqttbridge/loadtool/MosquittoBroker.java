package io.mqttbridge.loadtool;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real Mosquitto process on a free loopback port, persistence off, for the load tool's tests.
 * {@link #find()} is empty when the {@code mosquitto} binary is not installed.
 */
final class MosquittoBroker implements AutoCloseable {

    private static final int START_ATTEMPTS = 3;

    private final Process process;
    private final int port;

    private MosquittoBroker(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static Optional<Path> find() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(":")).map(Path::of), Stream.of(Path.of("/usr/sbin"), Path.of("/usr/local/sbin")))
                .map(dir -> dir.resolve("mosquitto"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    static MosquittoBroker start(Path binary, Path workDir) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = freePort();
            Path config = workDir.resolve("mosquitto-" + port + ".conf");
            Files.writeString(config, String.join("\n",
                    "listener " + port + " 127.0.0.1",
                    "allow_anonymous true",
                    "persistence false",
                    "max_queued_messages 1000000",
                    "max_inflight_messages 1000",
                    "set_tcp_nodelay true",
                    "log_dest none",
                    ""));
            Process process = new ProcessBuilder(binary.toString(), "-c", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("mosquitto-" + port + ".log").toFile())
                    .start();
            MosquittoBroker broker = new MosquittoBroker(process, port);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive() || broker.accepts());
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            if (process.isAlive()) {
                return broker;
            }
            // Another process took the port between our probe and Mosquitto's bind: try another one.
            last = new IOException("mosquitto exited with " + process.exitValue() + " on port " + port);
        }
        throw last;
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
