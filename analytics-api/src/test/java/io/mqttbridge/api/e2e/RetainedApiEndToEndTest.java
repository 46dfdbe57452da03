package io.mqttbridge.api.e2e;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import io.mqttbridge.testing.mqtt.PahoV5Collector;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.mqttbridge.api.testing.FreshBridgeApp.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /api/v1/retained} on the real application: retained messages published over MQTT (Paho 5)
 * are listed from PostgreSQL, and one cleared through the API is gone for the next subscriber while
 * the subscribers already there are sent nothing.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class RetainedApiEndToEndTest {

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-config.yml", "retained_e2e");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    @Test
    @SuppressWarnings("unchecked")
    void retainedMessagesAreListedAndOneClearedIsGoneForTheNextSubscriberOnly() throws Exception {
        createDevice("lamp");
        createDevice("viewer");
        List<String> watched = new CopyOnWriteArrayList<>();
        MqttClient device = connect("lamp", new PahoV5Collector((topic, message) -> watched.add(topic + "="
                + new String(message.getPayload(), StandardCharsets.UTF_8))));
        device.subscribe("home/#", 1);
        device.publish("home/lamp/state", retained("on"));
        device.publish("home/lamp/brightness", retained("{\"level\":70}"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(items("/api/v1/retained?topic=home/%23"))
                .extracting(m -> m.get("topic")).containsExactly("home/lamp/brightness", "home/lamp/state"));
        Map<String, Object> state = items("/api/v1/retained?topic=home/lamp/state").get(0);
        assertThat(state).containsEntry("payload", "on").containsEntry("payloadEncoding", "text")
                .containsEntry("clientId", "lamp").containsEntry("qos", 1).containsEntry("payloadSize", 2);
        assertThat(items("/api/v1/retained?topic=home/lamp/brightness&payloadEncoding=json")
                .get(0)).containsEntry("payload", Map.of("level", 70));

        // JAX-RS would take the first topic only, clear it and answer 204 as if both were gone.
        assertThat(status(api(APP, "/api/v1/retained?topic=home/lamp/state&topic=home/lamp/brightness").delete()))
                .isEqualTo(400);
        assertThat(items("/api/v1/retained?topic=home/%23")).as("nothing cleared").hasSize(2);
        assertThat(status(api(APP, "/api/v1/retained?topic=home/lamp/state").delete())).isEqualTo(204);
        assertThat(status(api(APP, "/api/v1/retained?topic=home/lamp/state").delete())).isEqualTo(404);
        assertThat(status(api(APP, "/api/v1/retained?topic=home/%23").delete())).isEqualTo(400);
        assertThat(status(api(APP, "/api/v1/retained").delete())).isEqualTo(400);
        assertThat(items("/api/v1/retained")).extracting(m -> m.get("topic"))
                .containsExactly("home/lamp/brightness");

        // The next subscriber gets only what is still retained.
        PahoV5Collector lateGot = new PahoV5Collector();
        MqttClient late = connect("viewer", lateGot);
        late.subscribe("home/#", 1);
        device.publish("home/marker", new MqttMessage(new byte[] {1}, 1, false, null));
        // Retained messages come in topic order, so a retained home/lamp/state would follow brightness.
        await().atMost(WAIT).until(() -> lateGot.topics().containsAll(List.of("home/marker", "home/lamp/brightness"))
                && watched.contains("home/marker=\u0001"));
        assertThat(lateGot.topics()).containsExactlyInAnyOrder("home/lamp/brightness", "home/marker");
        // The subscriber already there was sent nothing when the message was cleared.
        assertThat(watched).containsExactly("home/lamp/state=on", "home/lamp/brightness={\"level\":70}",
                "home/marker=\u0001");
        late.disconnect();
        late.close();
        device.disconnect();
        device.close();
    }

    private static void createDevice(String id) {
        try (Response created = api(APP, "/api/v1/devices").post(Entity.json(Map.of("id", id, "password", id + "-pw",
                "aclRules", List.of(Map.of("permission", "allow", "action", "all", "topicFilter", "home/#")))))) {
            assertThat(created.getStatus()).isEqualTo(201);
        }
    }

    /** Connects as the device of that id (user name = client id, as the registry binds them). */
    private static MqttClient connect(String deviceId, PahoV5Collector received) throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort(), deviceId, new MemoryPersistence());
        client.setCallback(received);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(deviceId);
        options.setPassword((deviceId + "-pw").getBytes(StandardCharsets.UTF_8));
        client.connect(options);
        return client;
    }

    private static MqttMessage retained(String payload) {
        return new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, true, null);
    }

    @SuppressWarnings("unchecked")
    private static int mqttPort() {
        return (Integer) api(APP, "/api/v1/live/broker").get(Map.class).get("port");
    }

    /** The items of the first page the API answers {@code path} with. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(String path) {
        return (List<Map<String, Object>>) api(APP, path).get(Map.class).get("items");
    }

    private static int status(Response response) {
        try (response) {
            return response.getStatus();
        }
    }
}
