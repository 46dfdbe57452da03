package io.mqttbridge.api.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mqttbridge.api.testing.BridgeNode;
import io.mqttbridge.testing.kafka.TestKafka;
import io.mqttbridge.testing.mqtt.PahoClients;
import io.mqttbridge.testing.mqtt.PahoV3Collector;
import io.mqttbridge.testing.net.FreePorts;
import io.mqttbridge.testing.postgres.TestPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The deployment of {@code docker-compose.yml} without Docker: three bridge processes run the
 * repository's node configuration ({@code deploy/cluster/bridge.yml}, registry-only MQTT
 * authentication, one REST token for all nodes) on one Kafka and PostgreSQL, behind a real HAProxy
 * running the repository's {@code deploy/cluster/haproxy.cfg} with local addresses put in for the
 * container names. Devices are created through HAProxy's REST port, connect through its MQTT and
 * MQTT-over-WebSocket ports, and after {@code kill -9} of the node holding a persistent subscriber
 * it reconnects through HAProxy to a survivor with its queued messages.
 *
 * <p>Needs the {@code haproxy} binary (Debian package {@code haproxy}; {@code .ci/run} installs it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaproxyClusterTest {

    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final Path HAPROXY_CONFIG = REPOSITORY.resolve("deploy/cluster/haproxy.cfg");
    private static final Path NODE_CONFIG = REPOSITORY.resolve("deploy/cluster/bridge.yml");
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    private static final Path DOCKER_COMPOSE = Path.of("/usr/bin/docker-compose");

    private final String token = randomHex();
    private final List<BridgeNode> nodes = new ArrayList<>();
    private final List<MqttClient> clients = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String databaseName;
    private Path workDirectory;
    private Process haproxy;
    private int mqttFront;
    private int webSocketFront;
    private int apiFront;

    @BeforeAll
    void startNodesBehindHaproxy() throws Exception {
        assumeTrue(Files.isExecutable(HAPROXY), "haproxy is not installed (apt-get install haproxy)");
        workDirectory = TestKafka.newTemporaryDirectory("haproxy-cluster-");
        databaseName = TestPostgres.shared().createDatabase("haproxy");
        String topicPrefix = "haproxy-" + UUID.randomUUID();
        for (int i = 1; i <= 3; i++) {
            nodes.add(BridgeNode.builder("bridge-" + i, workDirectory.resolve("bridge-" + i))
                    .kafka(TestKafka.bootstrapServers())
                    .database(TestPostgres.shared().jdbcUrl(databaseName), TestPostgres.shared().user(),
                            TestPostgres.shared().password())
                    .webSockets()
                    // Three JVMs starting at once on two cores, beside whatever else the machine runs.
                    .readyTimeout(Duration.ofSeconds(180))
                    .configurationFile(NODE_CONFIG)
                    .environment("API_ADMIN_TOKEN_SHA256", sha256Hex(token))
                    .environment("MQTT_ALLOW_ANONYMOUS", "false")
                    .environment("BRIDGE_CLUSTER_TOPIC_PREFIX", topicPrefix)
                    .build());
        }
        CompletableFuture.allOf(nodes.stream().map(node -> CompletableFuture.runAsync(node::start))
                .toArray(CompletableFuture[]::new)).join();

        mqttFront = FreePorts.pick();
        webSocketFront = FreePorts.pick();
        apiFront = FreePorts.pick();
        Path config = workDirectory.resolve("haproxy.cfg");
        Files.writeString(config, localHaproxyConfig(Files.readString(HAPROXY_CONFIG)));
        Process check = new ProcessBuilder(HAPROXY.toString(), "-c", "-f", config.toString())
                .redirectErrorStream(true).start();
        String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor()).as("haproxy -c of the repository's configuration:%n%s", checkOutput).isZero();
        haproxy = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(workDirectory.resolve("haproxy.log").toFile())
                .start();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> api("GET", "/api/v1/health", null).statusCode() == 200);
    }

    @AfterAll
    void stopEverything() throws Exception {
        PahoClients.closeAll(clients);
        if (haproxy != null) {
            haproxy.destroy();
            haproxy.waitFor(10, TimeUnit.SECONDS);
        }
        nodes.forEach(BridgeNode::close);
        if (databaseName != null) {
            TestPostgres.shared().dropDatabase(databaseName);
        }
        if (workDirectory != null) {
            TestKafka.deleteRecursively(workDirectory);
        }
    }

    @Test
    @Order(1)
    void theRestTokenOfTheComposeConfigurationIsAcceptedByEveryNodeBehindTheBalancer() throws Exception {
        Set<Integer> statuses = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(api("GET", "/api/v1/devices", token).statusCode());
        }
        assertThat(statuses).as("round robin over three nodes, one shared token").containsExactly(200);
        assertThat(api("GET", "/api/v1/devices", "wrong-" + token).statusCode()).isEqualTo(401);
    }

    @Test
    @Order(2)
    void devicesCreatedThroughTheBalancerPublishOverTcpToASubscriberOverWebSocket() throws Exception {
        createDevice("ws-subscriber");
        createDevice("tcp-publisher");
        Collecting received = new Collecting();
        connect("ws://127.0.0.1:" + webSocketFront + "/mqtt", "ws-subscriber", false, received)
                .subscribe("plant/#", 1);
        MqttClient publisher = connect("tcp://127.0.0.1:" + mqttFront, "tcp-publisher", true, null);

        List<String> sent = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            publisher.publish("plant/probe", "probe".getBytes(StandardCharsets.UTF_8), 1, false);
            return received.payloads().contains("probe");
        });
        for (int i = 0; i < 50; i++) {
            publisher.publish("plant/line-" + (i % 3), ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            sent.add("m" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> received.withoutProbes().containsAll(sent));
        assertThat(received.withoutProbes()).containsExactlyElementsOf(sent);

        assertThatAnonymousClientsAreRefused();
    }

    @Test
    @Order(3)
    void afterKillMinus9OfItsNodeAPersistentSubscriberReconnectsThroughTheBalancerWithItsQueue() throws Exception {
        createDevice("durable");
        createDevice("feeder");
        MqttClient durable = connect("tcp://127.0.0.1:" + mqttFront, "durable", false, new Collecting());
        String holder = holderOf("durable");
        BridgeNode holderNode = nodes.stream().filter(node -> node.nodeId().equals(holder)).findFirst().orElseThrow();
        // Killed right after the SUBACK: the subscription must already be in the session store and
        // in the cluster's routes topic.
        durable.subscribe("queue/#", 1);
        holderNode.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> !durable.isConnected());
        MqttClient feeder = connectWhenABalancedNodeTakesIt("tcp://127.0.0.1:" + mqttFront, "feeder", true, null);
        List<String> queued = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            feeder.publish("queue/orders", ("q" + i).getBytes(StandardCharsets.UTF_8), 1, false);
            queued.add("q" + i);
        }

        Collecting back = new Collecting();
        MqttClient again = connectWhenABalancedNodeTakesIt("tcp://127.0.0.1:" + mqttFront, "durable", false, back);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> back.payloads().containsAll(queued));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the durable subscriber got %s of %s; its session: %s; the nodes' logs:%n%s"
                    .formatted(back.payloads(), queued, api("GET", "/api/v1/live/clients/durable", token).body()
                            + "; its timeline: " + api("GET", "/api/v1/sessions/timeline/durable", token).body(),
                            nodeLogTails()), e);
        }
        assertThat(back.payloads()).containsExactlyElementsOf(queued);
        assertThat(holderOf("durable")).isNotEqualTo(holder);
        assertThat(again.isConnected()).isTrue();
    }

    @Test
    void theComposeFileIsValidWithTheTokenAndRefusedWithoutIt() throws Exception {
        assumeTrue(Files.isExecutable(DOCKER_COMPOSE), "docker-compose is not installed (apt-get install docker-compose)");
        ProcessResult valid = compose(Map.of("API_ADMIN_TOKEN_SHA256", sha256Hex(token)));
        assertThat(valid.exitCode()).as(valid.output()).isZero();
        ProcessResult missing = compose(Map.of());
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.output()).contains("API_ADMIN_TOKEN_SHA256");
    }

    private void assertThatAnonymousClientsAreRefused() {
        MqttClient anonymous;
        try {
            anonymous = new MqttClient("tcp://127.0.0.1:" + mqttFront, "anonymous-" + UUID.randomUUID(),
                    new MemoryPersistence());
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
        clients.add(anonymous);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setConnectionTimeout(10);
        try {
            anonymous.connect(options);
            throw new AssertionError("an anonymous client connected through the compose configuration");
        } catch (MqttException e) {
            assertThat(e.getReasonCode()).isIn((int) MqttException.REASON_CODE_NOT_AUTHORIZED,
                    (int) MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        }
    }

    /** The compose configuration as rendered by {@code docker-compose config}, with {@code variables}. */
    private ProcessResult compose(Map<String, String> variables) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(DOCKER_COMPOSE.toString(), "-f",
                REPOSITORY.resolve("docker-compose.yml").toString(), "config", "-q")
                .directory(REPOSITORY.toFile())
                .redirectErrorStream(true);
        builder.environment().remove("API_ADMIN_TOKEN_SHA256");
        builder.environment().putAll(variables);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new ProcessResult(process.waitFor(), output);
    }

    private record ProcessResult(int exitCode, String output) {
    }

    /**
     * The repository's HAProxy configuration for this host: every {@code bind :PORT} on a free
     * loopback port and every {@code bridge-N:PORT} on that node's port for the same service.
     */
    private String localHaproxyConfig(String repositoryConfig) {
        Map<String, Integer> fronts = Map.of("1883", mqttFront, "8083", webSocketFront, "8443", FreePorts.pick(),
                "8080", apiFront);
        String config = repositoryConfig.replaceAll("(?m)^(\\s*maxconn) \\d+", "$1 1000");
        Matcher bind = Pattern.compile("bind :(\\d+)").matcher(config);
        StringBuilder bound = new StringBuilder();
        while (bind.find()) {
            Integer port = fronts.get(bind.group(1));
            assertThat(port).as("a frontend this test knows: %s", bind.group()).isNotNull();
            bind.appendReplacement(bound, "bind 127.0.0.1:" + port);
        }
        bind.appendTail(bound);
        Matcher server = Pattern.compile("bridge-(\\d):(\\d+)").matcher(bound);
        StringBuilder local = new StringBuilder();
        while (server.find()) {
            BridgeNode node = nodes.get(Integer.parseInt(server.group(1)) - 1);
            int port = switch (server.group(2)) {
                case "1883" -> node.mqttPort();
                case "8083" -> node.webSocketPort();
                case "8443" -> node.secureWebSocketPort();
                case "8080" -> node.apiPort();
                default -> throw new AssertionError("a node port this test does not know: " + server.group());
            };
            server.appendReplacement(local, "127.0.0.1:" + port);
        }
        server.appendTail(local);
        return local.toString();
    }

    private void createDevice(String id) throws Exception {
        String body = """
                {"id": "%s", "password": "pw-%s", "aclRules": [{"permission": "allow", "action": "all", "topicFilter": "#"}]}"""
                .formatted(id, id);
        HttpResponse<String> created = api("POST", "/api/v1/devices", token, body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private String holderOf(String clientId) throws Exception {
        HttpResponse<String> response = api("GET", "/api/v1/live/clients/" + clientId + "/node", token);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Matcher node = Pattern.compile("\"node\"\\s*:\\s*\"([^\"]+)\"").matcher(response.body());
        assertThat(node.find()).as(response.body()).isTrue();
        return node.group(1);
    }

    private HttpResponse<String> api(String method, String path, String bearer) throws Exception {
        return api(method, path, bearer, null);
    }

    private HttpResponse<String> api(String method, String path, String bearer, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiFront + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private MqttClient connect(String uri, String deviceId, boolean cleanSession, Collecting callback)
            throws MqttException {
        MqttClient client = new MqttClient(uri, deviceId, new MemoryPersistence());
        clients.add(client);
        if (callback != null) {
            client.setCallback(callback);
        }
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(deviceId);
        options.setPassword(("pw-" + deviceId).toCharArray());
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        // Paho's default: a survivor answers a client of a killed node once that node counts as dead
        // and its inbox is read (a client that gives up sooner is covered by ClusterEndToEndTest).
        options.setConnectionTimeout(30);
        client.connect(options);
        return client;
    }

    /** Connects, trying again while HAProxy still sends some connections to the node that died. */
    private MqttClient connectWhenABalancedNodeTakesIt(String uri, String deviceId, boolean cleanSession,
            Collecting callback) {
        List<MqttClient> result = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            result.add(connect(uri, deviceId, cleanSession, callback));
            return true;
        });
        return result.get(result.size() - 1);
    }

    /** The last 40 of each node's own log lines (no request log, no start-up banner). */
    private String nodeLogTails() {
        StringBuilder tails = new StringBuilder();
        for (BridgeNode node : nodes) {
            List<String> lines = node.logLines().stream()
                    .filter(line -> line.startsWith("INFO ") || line.startsWith("WARN ") || line.startsWith("ERROR ")
                            || line.startsWith("DEBUG "))
                    .toList();
            tails.append("--- ").append(node.nodeId()).append(" ---\n")
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())))
                    .append('\n');
        }
        return tails.toString();
    }

    private static String randomHex() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String sha256Hex(String value) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Records payloads in arrival order. */
    private static final class Collecting extends PahoV3Collector {
        List<String> withoutProbes() {
            return payloads().stream().filter(payload -> !payload.equals("probe")).toList();
        }
    }
}
