package io.mqttbridge.api.e2e;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import io.mqttbridge.testing.mqtt.PahoV5Collector;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The attacks of issue 12, tried as a new user would: the whole application, devices created
 * through the REST API, anonymous clients off, real Paho clients. A device logging in with its own
 * password under another device's client id is refused (5.0: 0x85, 3.1.1: code 2) and the real
 * device keeps its connection and session; the "everything except" ACL grants {@code #} and hides
 * only the denied topic.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class HostileDeviceEndToEndTest {

    private static final String TOKEN = "Bearer e2e-admin-token";

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-config.yml", "bridge_hostile");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();

    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
    }

    private static Invocation.Builder api(String path) {
        return APP.client().target("http://127.0.0.1:" + APP.getLocalPort() + path).request()
                .header(HttpHeaders.AUTHORIZATION, TOKEN);
    }

    @SuppressWarnings("unchecked")
    private static int mqttPort() {
        return (Integer) api("/api/v1/live/broker").get(Map.class).get("port");
    }

    private static void createDevice(String id, List<Map<String, Object>> aclRules) {
        try (Response created = api("/api/v1/devices").post(Entity.json(Map.of("id", id, "password", "pw-" + id,
                "aclRules", aclRules)))) {
            assertThat(created.getStatus()).isEqualTo(201);
        }
    }

    private static Map<String, Object> rule(String permission, String action, String filter) {
        return Map.of("permission", permission, "action", action, "topicFilter", filter);
    }

    private MqttClient v5(String clientId) throws MqttException {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort(), clientId, new MemoryPersistence());
        clients.add(() -> {
            if (client.isConnected()) {
                client.disconnectForcibly(100);
            }
            client.close();
        });
        return client;
    }

    private static MqttConnectionOptions login(String device, boolean cleanStart) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(device);
        options.setPassword(("pw-" + device).getBytes(StandardCharsets.UTF_8));
        options.setCleanStart(cleanStart);
        options.setSessionExpiryInterval(3600L);
        options.setAutomaticReconnect(false);
        return options;
    }

    @Test
    @SuppressWarnings("unchecked")
    void deviceLoggingInUnderAnotherDevicesClientIdIsRefusedAndTheOtherKeepsItsSession() throws Exception {
        createDevice("sensor-1", List.of(rule("allow", "all", "sensors/%c/#")));
        createDevice("sensor-2", List.of(rule("allow", "all", "sensors/%c/#")));
        MqttClient victim = v5("sensor-2");
        victim.connect(login("sensor-2", false));
        victim.subscribe("sensors/sensor-2/cmd", 1);

        MqttClient attacker = v5("sensor-2");
        assertThatThrownBy(() -> attacker.connect(login("sensor-1", false))).isInstanceOf(MqttException.class)
                .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(0x85));
        org.eclipse.paho.client.mqttv3.MqttClient attacker311 = new org.eclipse.paho.client.mqttv3.MqttClient(
                "tcp://127.0.0.1:" + mqttPort(), "sensor-2", new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        clients.add(attacker311::close);
        org.eclipse.paho.client.mqttv3.MqttConnectOptions options311 = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
        options311.setUserName("sensor-1");
        options311.setPassword("pw-sensor-1".toCharArray());
        options311.setCleanSession(false);
        assertThatThrownBy(() -> attacker311.connect(options311))
                .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class)
                .satisfies(e -> assertThat(((org.eclipse.paho.client.mqttv3.MqttException) e).getReasonCode())
                        .isEqualTo(org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_INVALID_CLIENT_ID));

        assertThat(victim.isConnected()).isTrue();
        List<Map<String, Object>> subscriptions = api("/api/v1/live/clients/sensor-2/subscriptions").get(List.class);
        assertThat(subscriptions).extracting(s -> s.get("topicFilter")).containsExactly("sensors/sensor-2/cmd");
        // The real device still publishes; the history shows its messages only under its own name,
        // and the only session ever recorded for the client id is the real device's.
        victim.publish("sensors/sensor-2/temp", new MqttMessage("21".getBytes(StandardCharsets.UTF_8), 1, false, null));
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Map<String, Object> page = api("/api/v1/messages?topic=sensors/sensor-2/%23").get(Map.class);
            assertThat((List<Map<String, Object>>) page.get("items")).singleElement()
                    .satisfies(m -> assertThat(m).containsEntry("clientId", "sensor-2").containsEntry("username", "sensor-2"));
        });
        Map<String, Object> sessions = api("/api/v1/sessions?clientId=sensor-2").get(Map.class);
        assertThat((List<Map<String, Object>>) sessions.get("items")).singleElement()
                .satisfies(s -> assertThat(s).containsEntry("username", "sensor-2"));
    }

    @Test
    void everythingExceptAclGrantsHashAndHidesOnlyTheDeniedTopic() throws Exception {
        createDevice("watcher", List.of(rule("deny", "subscribe", "admin/secret"), rule("allow", "all", "#")));
        MqttClient watcher = v5("watcher");
        List<String> received = new CopyOnWriteArrayList<>();
        watcher.connect(login("watcher", true));
        int[] granted = watcher.subscribe(new String[] {"#", "+/+", "admin/secret"}, new int[] {1, 1, 1})
                .getGrantedQos();
        assertThat(granted).containsExactly(1, 1, 0x87);
        watcher.setCallback(new PahoV5Collector((topic, message) -> received.add(topic)));
        watcher.publish("admin/secret", new MqttMessage("s".getBytes(StandardCharsets.UTF_8), 1, false, null));
        watcher.publish("admin/public", new MqttMessage("p".getBytes(StandardCharsets.UTF_8), 1, false, null));
        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("admin/public"));
        assertThat(received).containsExactly("admin/public");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> subscriptionFilters(String clientId) {
        try (Response response = api("/api/v1/live/clients/" + clientId + "/subscriptions").get()) {
            if (response.getStatus() == 404) {
                return List.of();
            }
            return ((List<Map<String, Object>>) response.readEntity(List.class)).stream()
                    .map(s -> s.get("topicFilter")).toList();
        }
    }

    private static void patch(String id, Map<String, Object> body) {
        try (Response response = api("/api/v1/devices/" + id).method("PATCH", Entity.json(body))) {
            assertThat(response.getStatus()).isEqualTo(200);
        }
    }

    @Test
    void anAclChangeAppliesAtOnceToTheOpenConnectionAndToAnOfflineSessionsStoredSubscriptions() throws Exception {
        createDevice("live", List.of(rule("allow", "all", "live/#")));
        createDevice("sleeper", List.of(rule("allow", "all", "sleeper/#")));
        MqttClient live = v5("live");
        live.connect(login("live", true));
        live.subscribe(new String[] {"live/a/#", "live/b"}, new int[] {1, 1});
        MqttClient sleeper = v5("sleeper");
        sleeper.connect(login("sleeper", true));
        sleeper.subscribe(new String[] {"sleeper/x", "sleeper/y"}, new int[] {1, 1});
        sleeper.disconnect();

        patch("live", Map.of("aclRules", List.of(rule("allow", "all", "live/a/#"))));
        patch("sleeper", Map.of("aclRules", List.of(rule("allow", "all", "sleeper/x"))));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(subscriptionFilters("live")).containsExactly("live/a/#");
            assertThat(subscriptionFilters("sleeper")).containsExactly("sleeper/x");
        });
        assertThat(live.isConnected()).isTrue();
        live.disconnect();
        // An open connection's own permissions change too: publishing to live/b is now refused.
        com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient open = com.hivemq.client.mqtt.MqttClient.builder()
                .useMqttVersion5().identifier("live").serverHost("127.0.0.1").serverPort(mqttPort()).buildBlocking();
        open.connectWith().simpleAuth().username("live").password("pw-live".getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        open.publishWith().topic("live/a/1").qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE).send();
        patch("live", Map.of("aclRules", List.of(rule("allow", "all", "live/b"))));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> open.publishWith()
                .topic("live/a/1").qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE).send())
                .isInstanceOfSatisfying(com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode().getCode()).isEqualTo(0x87)));
        open.disconnect();
    }

    @Test
    void disablingADeviceEndsItsConnectionAndItsPersistentSession() throws Exception {
        createDevice("doomed", List.of(rule("allow", "all", "doomed/#")));
        MqttClient doomed = v5("doomed");
        doomed.connect(login("doomed", false));
        doomed.subscribe("doomed/cmd", 1);

        patch("doomed", Map.of("enabled", false));

        await().atMost(Duration.ofSeconds(10)).until(() -> !doomed.isConnected());
        await().atMost(Duration.ofSeconds(10)).until(() -> subscriptionFilters("doomed").isEmpty());
        assertThatThrownBy(() -> v5("doomed").connect(login("doomed", false))).isInstanceOf(MqttException.class)
                .satisfies(e -> assertThat(((MqttException) e).getReasonCode()).isEqualTo(0x87));
    }

    @Test
    void rotatingCredentialsWithoutGraceEndsConnectionsMadeWithTheOldOnes() throws Exception {
        createDevice("rotor", List.of(rule("allow", "all", "rotor/#")));
        MqttClient rotor = v5("rotor");
        rotor.connect(login("rotor", true));
        try (Response response = api("/api/v1/devices/rotor/credentials/rotate")
                .post(Entity.json(Map.of("password", "pw-new", "graceSeconds", 0)))) {
            assertThat(response.getStatus()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !rotor.isConnected());
        MqttClient again = v5("rotor");
        MqttConnectionOptions options = login("rotor", true);
        options.setPassword("pw-new".getBytes(StandardCharsets.UTF_8));
        again.connect(options);
        assertThat(again.isConnected()).isTrue();
    }

    @Test
    void aConnectionMadeWithTheOldPasswordDuringTheGracePeriodEndsWhenTheGraceDoes() throws Exception {
        createDevice("leaky", List.of(rule("allow", "all", "leaky/#")));
        try (Response response = api("/api/v1/devices/leaky/credentials/rotate")
                .post(Entity.json(Map.of("password", "pw-fresh", "graceSeconds", 3)))) {
            assertThat(response.getStatus()).isEqualTo(200);
        }
        MqttClient oldPassword = v5("leaky");
        oldPassword.connect(login("leaky", true));
        assertThat(oldPassword.isConnected()).as("the old password works in the grace period").isTrue();

        await().atMost(Duration.ofSeconds(15)).until(() -> !oldPassword.isConnected());
        assertThatThrownBy(() -> v5("leaky").connect(login("leaky", true))).isInstanceOf(MqttException.class);
        MqttClient newPassword = v5("leaky");
        MqttConnectionOptions options = login("leaky", true);
        options.setPassword("pw-fresh".getBytes(StandardCharsets.UTF_8));
        newPassword.connect(options);
        assertThat(newPassword.isConnected()).isTrue();
    }
}
