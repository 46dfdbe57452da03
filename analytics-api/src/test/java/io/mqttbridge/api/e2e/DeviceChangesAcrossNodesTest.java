package io.mqttbridge.api.e2e;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeApplication;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.testing.postgres.TestPostgres;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two bridge applications on one PostgreSQL: node A runs only the REST API (no broker, so nothing
 * it does reaches MQTT sessions by itself), node B the broker. Device changes made through A reach
 * the connections and sessions on B through PostgreSQL's LISTEN/NOTIFY, not through Kafka.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class DeviceChangesAcrossNodesTest {

    private static final String TOKEN = "Bearer e2e-admin-token";
    private static String databaseName;

    // Each node reads its overrides under a prefix of its own: the two must not share system properties.
    static final DropwizardAppExtension<BridgeConfiguration> NODE_B = new DropwizardAppExtension<>(
            BridgeApplication.class, ResourceHelpers.resourceFilePath("e2e-config.yml"), "nodeB.",
            ConfigOverride.config("nodeB.", "nodeId", "node-b"),
            ConfigOverride.config("nodeB.", "dataDirectory", DeviceChangesAcrossNodesTest::temporaryDataDirectory),
            ConfigOverride.config("nodeB.", "database.jdbcUrl", DeviceChangesAcrossNodesTest::sharedDatabase),
            ConfigOverride.config("nodeB.", "database.user", () -> TestPostgres.shared().user()),
            ConfigOverride.config("nodeB.", "database.password", () -> TestPostgres.shared().password()));

    static final DropwizardAppExtension<BridgeConfiguration> NODE_A = new DropwizardAppExtension<>(
            BridgeApplication.class, ResourceHelpers.resourceFilePath("e2e-api-only-config.yml"), "nodeA.",
            ConfigOverride.config("nodeA.", "nodeId", "node-a"),
            ConfigOverride.config("nodeA.", "dataDirectory", DeviceChangesAcrossNodesTest::temporaryDataDirectory),
            ConfigOverride.config("nodeA.", "database.jdbcUrl", DeviceChangesAcrossNodesTest::sharedDatabase),
            ConfigOverride.config("nodeA.", "database.user", () -> TestPostgres.shared().user()),
            ConfigOverride.config("nodeA.", "database.password", () -> TestPostgres.shared().password()));

    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();

    private static String temporaryDataDirectory() {
        try {
            return Files.createTempDirectory("bridge-two-nodes-").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized String sharedDatabase() {
        if (databaseName == null) {
            databaseName = TestPostgres.shared().createDatabase("bridge_two_nodes");
        }
        return TestPostgres.shared().jdbcUrl(databaseName);
    }

    @AfterAll
    static void dropDatabase() {
        if (databaseName != null) {
            TestPostgres.shared().dropDatabase(databaseName);
        }
    }

    @AfterEach
    void closeClients() {
        for (Mqtt5BlockingClient client : clients) {
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        }
    }

    private static Invocation.Builder api(DropwizardAppExtension<BridgeConfiguration> node, String path) {
        return node.client().target("http://127.0.0.1:" + node.getLocalPort() + path).request()
                .header(HttpHeaders.AUTHORIZATION, TOKEN);
    }

    @SuppressWarnings("unchecked")
    private static int mqttPortOfB() {
        return (Integer) api(NODE_B, "/api/v1/live/broker").get(Map.class).get("port");
    }

    private static void createOnA(String id, List<Map<String, Object>> rules) {
        try (Response created = api(NODE_A, "/api/v1/devices").post(Entity.json(Map.of("id", id, "password", "pw-" + id,
                "aclRules", rules)))) {
            assertThat(created.getStatus()).isEqualTo(201);
        }
    }

    private static void patchOnA(String id, Map<String, Object> body) {
        try (Response patched = api(NODE_A, "/api/v1/devices/" + id).build("PATCH", Entity.json(body)).invoke()) {
            assertThat(patched.getStatus()).isEqualTo(200);
        }
    }

    private static Map<String, Object> rule(String permission, String action, String filter) {
        return Map.of("permission", permission, "action", action, "topicFilter", filter);
    }

    private Mqtt5BlockingClient connectToB(String device, AtomicReference<Mqtt5DisconnectReasonCode> disconnectedWith) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(device).serverHost("127.0.0.1")
                .serverPort(mqttPortOfB())
                .addDisconnectedListener(context -> {
                    if (context.getCause() instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException e) {
                        disconnectedWith.set(e.getMqttMessage().getReasonCode());
                    }
                })
                .buildBlocking();
        clients.add(client);
        client.connectWith().simpleAuth().username(device).password(("pw-" + device).getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().cleanStart(true).send();
        return client;
    }

    @Test
    void anAclNarrowedOnARemovesTheSubscriptionAndThePermissionOnB() throws Exception {
        createOnA("acl-device", List.of(rule("allow", "all", "sensors/%c/#")));
        createOnA("acl-publisher", List.of(rule("allow", "publish", "#")));
        Mqtt5BlockingClient device = connectToB("acl-device", new AtomicReference<>());
        Mqtt5BlockingClient publisher = connectToB("acl-publisher", new AtomicReference<>());
        List<String> received = new CopyOnWriteArrayList<>();
        device.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> received.add(p.getTopic().toString()));
        device.subscribeWith().topicFilter("sensors/acl-device/#").qos(MqttQos.AT_LEAST_ONCE).send();
        publisher.publishWith().topic("sensors/acl-device/cmd").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
        await().atMost(10, TimeUnit.SECONDS).until(() -> received.contains("sensors/acl-device/cmd"));

        patchOnA("acl-device", Map.of("aclRules", List.of(rule("allow", "publish", "sensors/%c/up"))));

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThatThrownBy(() -> device.publishWith()
                .topic("sensors/acl-device/other").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {2}).send())
                .isInstanceOfSatisfying(Mqtt5PubAckException.class, e ->
                        assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> subscriptionsOnB("acl-device").isEmpty());
        assertThat(device.getState().isConnected()).isTrue();
    }

    @Test
    void anAclNarrowedOnARemovesTheStoredSubscriptionOfAnOfflinePersistentSessionOnB() {
        createOnA("offline-device", List.of(rule("allow", "all", "sensors/%c/#")));
        Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier("offline-device")
                .serverHost("127.0.0.1").serverPort(mqttPortOfB()).buildBlocking();
        device.connectWith().simpleAuth().username("offline-device").password("pw-offline-device".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().cleanStart(true).sessionExpiryInterval(3600).send();
        device.subscribeWith().topicFilter("sensors/offline-device/cmd").qos(MqttQos.AT_LEAST_ONCE).send();
        device.subscribeWith().topicFilter("sensors/offline-device/up").qos(MqttQos.AT_LEAST_ONCE).send();
        device.disconnect();
        assertThat(subscriptionsOnB("offline-device")).hasSize(2);

        patchOnA("offline-device", Map.of("aclRules", List.of(rule("allow", "all", "sensors/%c/up"))));

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(subscriptionsOnB("offline-device"))
                .singleElement().satisfies(s -> assertThat(s.get("topicFilter")).isEqualTo("sensors/offline-device/up")));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> subscriptionsOnB(String clientId) {
        return api(NODE_B, "/api/v1/live/clients/" + clientId + "/subscriptions").get(List.class);
    }

    @Test
    void aDeviceDisabledOnAIsDisconnectedOnB() {
        createOnA("disabled-device", List.of(rule("allow", "all", "sensors/%c/#")));
        AtomicReference<Mqtt5DisconnectReasonCode> reason = new AtomicReference<>();
        Mqtt5BlockingClient device = connectToB("disabled-device", reason);

        patchOnA("disabled-device", Map.of("enabled", false));

        await().atMost(10, TimeUnit.SECONDS).until(() -> !device.getState().isConnected());
        assertThat(reason.get()).isEqualTo(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
    }

    @Test
    void aDeviceDeletedOnAIsDisconnectedOnB() {
        createOnA("deleted-device", List.of(rule("allow", "all", "sensors/%c/#")));
        AtomicReference<Mqtt5DisconnectReasonCode> reason = new AtomicReference<>();
        Mqtt5BlockingClient device = connectToB("deleted-device", reason);

        try (Response deleted = api(NODE_A, "/api/v1/devices/deleted-device").delete()) {
            assertThat(deleted.getStatus()).isEqualTo(204);
        }

        await().atMost(10, TimeUnit.SECONDS).until(() -> !device.getState().isConnected());
        assertThat(reason.get()).isEqualTo(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
    }

    @Test
    void aDeviceDeletedWhileNoNodeListensIsDisconnectedOnBOnceBListensAgain() throws Exception {
        createOnA("unheard-device", List.of(rule("allow", "all", "sensors/%c/#")));
        AtomicReference<Mqtt5DisconnectReasonCode> reason = new AtomicReference<>();
        Mqtt5BlockingClient device = connectToB("unheard-device", reason);

        // Every listener's connection is gone before the deletion commits: its notification reaches no node.
        try (Connection c = DriverManager.getConnection(sharedDatabase(), TestPostgres.shared().user(),
                TestPostgres.shared().password())) {
            c.setAutoCommit(false);
            try (Statement statement = c.createStatement()) {
                ResultSet terminated = statement.executeQuery("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))"
                        + " FROM pg_stat_activity WHERE application_name = 'mqtt-kafka-bridge device changes'"
                        + " AND datname = current_database()");
                terminated.next();
                assertThat(terminated.getInt(1)).as("B's listener at least").isPositive();
                statement.execute("DELETE FROM devices WHERE id = 'unheard-device'");
            }
            c.commit();
        }

        await().atMost(20, TimeUnit.SECONDS).until(() -> !device.getState().isConnected());
        assertThat(reason.get()).isEqualTo(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
    }

    @Test
    void credentialsRotatedOnAWithoutGraceEndTheConnectionOnBAndTheNewPasswordWorks() {
        createOnA("rotated-device", List.of(rule("allow", "all", "sensors/%c/#")));
        Mqtt5BlockingClient device = connectToB("rotated-device", new AtomicReference<>());

        try (Response rotated = api(NODE_A, "/api/v1/devices/rotated-device/credentials/rotate")
                .post(Entity.json(Map.of("password", "pw-rotated-device-2")))) {
            assertThat(rotated.getStatus()).isEqualTo(200);
        }

        await().atMost(10, TimeUnit.SECONDS).until(() -> !device.getState().isConnected());
        Mqtt5BlockingClient again = MqttClient.builder().useMqttVersion5().identifier("rotated-device")
                .serverHost("127.0.0.1").serverPort(mqttPortOfB()).buildBlocking();
        clients.add(again);
        again.connectWith().simpleAuth().username("rotated-device").password("pw-rotated-device-2".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        assertThat(again.getState().isConnected()).isTrue();
    }
}
