package io.mqttbridge.api.testing;

import io.mqttbridge.testing.net.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One bridge node as a separate JVM process: {@code io.mqttbridge.api.BridgeApplication server
 * <config>} on this JVM's test class path, pointed at a Kafka and a PostgreSQL the test started.
 * Made for crash tests and for several nodes on one machine: each node has its own id, its own
 * ephemeral ports (picked once, kept across restarts so clients reconnect to the same address) and
 * its own data directory, which holds the generated configuration and the process's output
 * ({@code node.log}).
 *
 * <pre>{@code
 * BridgeNode node = BridgeNode.builder("node-1", dataDir).kafka(bootstrap).database(url, user, pw).build();
 * node.start();          // returns once the node's health checks pass
 * node.kill();           // kill -9 <pid>
 * node.start();          // the same node again, on the same data
 * }</pre>
 *
 * <p>Not thread-safe: one test thread drives it. {@link #close()} kills a process still running.
 */
public final class BridgeNode implements AutoCloseable {

    private final Builder settings;
    private final int mqttPort;
    private final int apiPort;
    private final int adminPort;
    private final int webSocketPort;
    private final int secureWebSocketPort;
    private final Path configFile;
    private Process process;

    private BridgeNode(Builder settings) {
        this.settings = settings;
        this.mqttPort = FreePorts.pick();
        this.apiPort = FreePorts.pick();
        this.adminPort = FreePorts.pick();
        this.webSocketPort = settings.webSockets ? FreePorts.pick() : -1;
        this.secureWebSocketPort = settings.webSockets ? FreePorts.pick() : -1;
        this.configFile = settings.dataDirectory.resolve("config.yml");
    }

    public static Builder builder(String nodeId, Path dataDirectory) {
        return new Builder(nodeId, dataDirectory);
    }

    /** Settings of a node; every one except node id and data directory has a default for tests. */
    public static final class Builder {
        private final String nodeId;
        private final Path dataDirectory;
        private String kafkaBootstrapServers;
        private String jdbcUrl;
        private String databaseUser;
        private String databasePassword;
        private String mirrorTopic = "mqtt.messages";
        private String heap = "256m";
        private Duration readyTimeout = Duration.ofSeconds(90);
        private String networkNamespace;
        private String address = "127.0.0.1";
        private boolean webSockets;
        private Path configurationFile;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> extraConfig = new ArrayList<>();
        private final List<String> extraKafkaConfig = new ArrayList<>();

        private Builder(String nodeId, Path dataDirectory) {
            this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
        }

        public Builder kafka(String bootstrapServers) {
            this.kafkaBootstrapServers = bootstrapServers;
            return this;
        }

        public Builder database(String url, String user, String password) {
            this.jdbcUrl = url;
            this.databaseUser = user;
            this.databasePassword = password;
            return this;
        }

        /** The Kafka topic every MQTT message is mirrored to (one rule for {@code #}). */
        public Builder mirrorTopic(String topic) {
            this.mirrorTopic = topic;
            return this;
        }

        /** The node's maximum heap, as for {@code -Xmx}. */
        public Builder heap(String maxHeap) {
            this.heap = maxHeap;
            return this;
        }

        /** How long {@link #start()} waits for the node to be ready. */
        public Builder readyTimeout(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        /**
         * Runs the node in network namespace {@code name} ({@code ip netns exec}), listening on
         * {@code address} there (an address of the namespace that this host can reach).
         */
        public Builder networkNamespace(String name, String address) {
            this.networkNamespace = Objects.requireNonNull(name, "name");
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Besides MQTT over TCP, listens for MQTT over WebSocket (path {@code /mqtt}) and over secure
         * WebSocket (a self-signed certificate), as the nodes of docker-compose.yml do.
         */
        public Builder webSockets() {
            this.webSockets = true;
            return this;
        }

        /**
         * Runs {@code file} (e.g. the repository's {@code deploy/cluster/bridge.yml}) instead of the
         * generated configuration. The node's settings reach it as the environment variables that
         * file reads: {@code BRIDGE_DATA_DIR}, {@code BRIDGE_NODE_ID}, {@code MQTT_PORT},
         * {@code MQTT_WS_PORT}, {@code MQTT_WSS_PORT}, {@code API_PORT}, {@code ADMIN_PORT},
         * {@code KAFKA_BOOTSTRAP_SERVERS}, {@code JDBC_URL}, {@code JDBC_USER} and {@code JDBC_PASSWORD};
         * {@link #environment} adds others. The generated-configuration settings (mirror topic, extra
         * YAML) do not apply.
         */
        public Builder configurationFile(Path file) {
            this.configurationFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /** An environment variable of the node's process. */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** Top-level YAML appended to the generated configuration (a key the defaults do not set). */
        public Builder config(String yaml) {
            extraConfig.add(yaml);
            return this;
        }

        /** YAML under the {@code kafka:} key, without its indentation (e.g. {@code cluster:\n  enabled: true}). */
        public Builder kafkaConfig(String yaml) {
            extraKafkaConfig.add(yaml);
            return this;
        }

        public BridgeNode build() {
            Objects.requireNonNull(kafkaBootstrapServers, "kafka bootstrap servers");
            Objects.requireNonNull(jdbcUrl, "jdbc url");
            return new BridgeNode(this);
        }
    }

    public String nodeId() {
        return settings.nodeId;
    }

    public int mqttPort() {
        return mqttPort;
    }

    public int apiPort() {
        return apiPort;
    }

    /** The MQTT-over-WebSocket port (path {@code /mqtt}); only with {@link Builder#webSockets()}. */
    public int webSocketPort() {
        requireWebSockets();
        return webSocketPort;
    }

    /** The MQTT-over-secure-WebSocket port; only with {@link Builder#webSockets()}. */
    public int secureWebSocketPort() {
        requireWebSockets();
        return secureWebSocketPort;
    }

    private void requireWebSockets() {
        if (!settings.webSockets) {
            throw new IllegalStateException(settings.nodeId + " was built without webSockets()");
        }
    }

    public String mqttUri() {
        return "tcp://" + settings.address + ":" + mqttPort;
    }

    public Path dataDirectory() {
        return settings.dataDirectory;
    }

    public Path logFile() {
        return settings.dataDirectory.resolve("node.log");
    }

    /** The node's process id; the node must be running. */
    public long pid() {
        if (process == null) {
            throw new IllegalStateException(settings.nodeId + " is not running");
        }
        return process.pid();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the node's process and waits until its health checks pass (broker bound, Kafka and
     * PostgreSQL reachable).
     *
     * @return the time from launching the process until it was ready
     * @throws IllegalStateException when the process exits or is not ready in time (with its log's tail)
     */
    public Duration start() {
        if (isRunning()) {
            throw new IllegalStateException(settings.nodeId + " is already running");
        }
        try {
            Files.createDirectories(settings.dataDirectory);
            Path configuration = settings.configurationFile != null ? settings.configurationFile : configFile;
            if (settings.configurationFile == null) {
                Files.writeString(configFile, configuration());
            }
            List<String> command = new ArrayList<>();
            if (settings.networkNamespace != null) {
                command.addAll(List.of("ip", "netns", "exec", settings.networkNamespace));
            }
            command.addAll(List.of(javaExecutable(), "-Xmx" + settings.heap,
                    "-XX:+UseSerialGC", "-cp", classPath(), "io.mqttbridge.api.BridgeApplication", "server",
                    configuration.toString()));
            long launched = System.nanoTime();
            ProcessBuilder launch = new ProcessBuilder(command);
            launch.environment().putAll(environment());
            process = launch
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .start();
            awaitReady();
            return Duration.ofNanos(System.nanoTime() - launched);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + settings.nodeId, e);
        }
    }

    /** {@code kill -9} of the node's process (by its id), and waits until it is gone. */
    public void kill() {
        signal("-9");
    }

    /** {@code kill -TERM}: an orderly stop; waits until the process is gone. */
    public void stop() {
        signal("-TERM");
    }

    /** The resident memory of the node's process now, in bytes (from /proc). */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            throw new IllegalStateException("no VmRSS for process " + pid());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (isRunning()) {
            kill();
        }
    }

    private void signal(String signal) {
        if (!isRunning()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
            kill.waitFor(10, TimeUnit.SECONDS);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(settings.nodeId + " still runs 60 s after kill " + signal);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (!process.isAlive()) {
                process = null;
            }
        }
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://" + settings.address + ":" + adminPort + "/healthcheck"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + settings.readyTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(settings.nodeId + " exited with " + process.exitValue()
                        + " while starting:\n" + logTail());
            }
            if (accepts(settings.address, mqttPort)) {
                try {
                    if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // The admin connector is not up yet.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(settings.nodeId + " not ready within " + settings.readyTimeout + ":\n" + logTail());
    }

    private static boolean accepts(String address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last lines of the node's output, for failure messages. */
    public String logTail() {
        List<String> lines = logLines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** Every line the node's processes wrote so far (all its starts). */
    public List<String> logLines() {
        try {
            return Files.readAllLines(logFile(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of("(no log: " + e + ")");
        }
    }

    private String configuration() {
        String yaml = """
                dataDirectory: "%s"
                nodeId: "%s"
                roles: [BROKER, API]
                broker:
                %s
                mqttAuth:
                  useDeviceRegistry: false
                  file:
                    allowAnonymous: true
                    anonymousAcl:
                      - action: all
                        topic: "#"
                kafka:
                  bootstrapServers: "%s"
                  mirrorRules:
                    - mqttTopicFilter: "#"
                      kafkaTopic: "%s"
                      keyStrategy: CLIENT_ID
                %s
                database:
                  jdbcUrl: "%s"
                  user: "%s"
                  password: "%s"
                server:
                  applicationConnectors:
                    - type: http
                      bindHost: %s
                      port: %d
                  adminConnectors:
                    - type: http
                      bindHost: %s
                      port: %d
                logging:
                  level: INFO
                  loggers:
                    org.apache.kafka: WARN
                    org.eclipse.jetty: WARN
                    org.flywaydb: WARN
                    com.zaxxer.hikari: WARN
                """.formatted(settings.dataDirectory, settings.nodeId, listeners(),
                settings.kafkaBootstrapServers, settings.mirrorTopic, kafkaExtra(), settings.jdbcUrl,
                nullToEmpty(settings.databaseUser), nullToEmpty(settings.databasePassword), settings.address, apiPort,
                settings.address, adminPort);
        return yaml + String.join("\n", settings.extraConfig);
    }

    /** What a configuration file given to {@link Builder#configurationFile} reads from the environment. */
    private Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        if (settings.configurationFile != null) {
            environment.put("BRIDGE_DATA_DIR", settings.dataDirectory.toString());
            environment.put("BRIDGE_NODE_ID", settings.nodeId);
            environment.put("MQTT_PORT", Integer.toString(mqttPort));
            environment.put("API_PORT", Integer.toString(apiPort));
            environment.put("ADMIN_PORT", Integer.toString(adminPort));
            if (settings.webSockets) {
                environment.put("MQTT_WS_PORT", Integer.toString(webSocketPort));
                environment.put("MQTT_WSS_PORT", Integer.toString(secureWebSocketPort));
            }
            environment.put("KAFKA_BOOTSTRAP_SERVERS", settings.kafkaBootstrapServers);
            environment.put("JDBC_URL", settings.jdbcUrl);
            environment.put("JDBC_USER", nullToEmpty(settings.databaseUser));
            environment.put("JDBC_PASSWORD", nullToEmpty(settings.databasePassword));
        }
        environment.putAll(settings.environment);
        return environment;
    }

    /** The {@code broker:} section's listener keys, indented for it. */
    private String listeners() {
        if (!settings.webSockets) {
            return "  host: %s\n  port: %d".formatted(settings.address, mqttPort);
        }
        return """
                  listeners:
                    - name: default
                      transport: TCP
                      host: %1$s
                      port: %2$d
                    - name: ws
                      transport: WS
                      host: %1$s
                      port: %3$d
                      webSocketPath: /mqtt
                    - name: wss
                      transport: WSS
                      host: %1$s
                      port: %4$d""".formatted(settings.address, mqttPort, webSocketPort, secureWebSocketPort)
                .indent(2).stripTrailing();
    }

    private String kafkaExtra() {
        StringBuilder yaml = new StringBuilder();
        for (String block : settings.extraKafkaConfig) {
            for (String line : block.split("\n")) {
                yaml.append(yaml.length() == 0 ? "" : "\n").append("  ").append(line);
            }
        }
        return yaml.toString();
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Surefire runs tests from a manifest-only jar; the real class path is in its own property. */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

}
