package io.mqttbridge.api.e2e;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.mqttbridge.api.testing.FreshBridgeApp.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real application with every role: embedded Kafka, PostgreSQL (a fresh database on the test
 * server), the broker on an ephemeral port. A device created through the API publishes over MQTT,
 * and the message and its session are then found through the API.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class BridgeApplicationEndToEndTest {

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-config.yml", "bridge_e2e");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    /** The broker listens on an ephemeral port; the live API says which. */
    @SuppressWarnings("unchecked")
    private static int mqttPort() {
        return (Integer) api(APP, "/api/v1/live/broker").get(Map.class).get("port");
    }

    @Test
    @SuppressWarnings("unchecked")
    void messagePublishedOverMqttIsFoundWithItsSessionThroughTheApi() throws MqttException {
        try (Response created = api(APP, "/api/v1/devices").post(Entity.json(Map.of("id", "e2e-sensor", "password", "e2e-pw",
                "aclRules", List.of(Map.of("permission", "allow", "action", "all", "topicFilter", "e2e/%c/#")))))) {
            assertThat(created.getStatus()).isEqualTo(201);
        }

        MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort(), "e2e-sensor",
                new MemoryPersistence());
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setUserName("e2e-sensor");
            options.setPassword("e2e-pw".getBytes(StandardCharsets.UTF_8));
            client.connect(options);
            MqttMessage message = new MqttMessage("{\"temp\":21.5}".getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            MqttProperties properties = new MqttProperties();
            properties.setContentType("application/json");
            message.setProperties(properties);
            client.publish("e2e/e2e-sensor/temp", message);

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Map<String, Object> page = api(APP, "/api/v1/messages?topic=e2e/%2B/temp&payloadEncoding=json").get(Map.class);
                List<Map<String, Object>> items = (List<Map<String, Object>>) page.get("items");
                assertThat(items).hasSize(1);
                assertThat(items.get(0)).containsEntry("clientId", "e2e-sensor").containsEntry("qos", 1)
                        .containsEntry("contentType", "application/json")
                        .containsEntry("payload", Map.of("temp", 21.5));
            });
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Map<String, Object> page = api(APP, "/api/v1/sessions/connected").get(Map.class);
                assertThat((List<Map<String, Object>>) page.get("items")).anySatisfy(session -> assertThat(session)
                        .containsEntry("clientId", "e2e-sensor").containsEntry("username", "e2e-sensor")
                        .containsEntry("nodeId", "e2e-node").containsEntry("protocolVersion", 5));
            });
            Map<String, Object> livePage = api(APP, "/api/v1/live/clients").get(Map.class);
            assertThat(livePage).containsEntry("nextCursor", null);
            assertThat((List<Map<String, Object>>) livePage.get("items")).extracting(c -> c.get("clientId")).containsExactly("e2e-sensor");
            Map<String, Object> stats = api(APP, "/api/v1/stats").get(Map.class);
            assertThat((Map<String, Object>) stats.get("messagesIn")).containsEntry("count", 1);
        } finally {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void openApiDocumentDescribesEveryEndpoint() {
        Map<String, Object> document = APP.client()
                .target("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/openapi.json").request().get(Map.class);
        Map<String, Object> paths = (Map<String, Object>) document.get("paths");
        assertThat(paths).containsOnlyKeys(
                "/api/v1/devices", "/api/v1/devices/{id}", "/api/v1/devices/{id}/credentials/rotate",
                "/api/v1/sessions", "/api/v1/sessions/connected", "/api/v1/sessions/connected/count",
                "/api/v1/sessions/{connectionId}",
                "/api/v1/sessions/disconnect-reasons", "/api/v1/sessions/timeline/{deviceId}", "/api/v1/sessions/nodes",
                "/api/v1/messages", "/api/v1/messages/latest", "/api/v1/topics", "/api/v1/retained", "/api/v1/publish",
                "/api/v1/live/broker", "/api/v1/live/clients", "/api/v1/live/clients/{clientId}", "/api/v1/live/clients/{clientId}/subscriptions",
                "/api/v1/live/clients/{clientId}/node", "/api/v1/live/sessions/{clientId}",
                "/api/v1/stats", "/api/v1/console/me", "/api/v1/console/live-token", "/api/v1/health");
        assertThat((Map<String, Object>) paths.get("/api/v1/devices/{id}")).containsKeys("get", "patch", "delete");
        assertThat((Map<String, Object>) paths.get("/api/v1/retained")).containsKeys("get", "delete");
        assertThat((Map<String, Object>) ((Map<String, Object>) document.get("components")).get("securitySchemes"))
                .containsKeys("bearer", "basic");
    }

    /** A token for a filter the broker would refuse in the SUBSCRIBE is not issued. */
    @Test
    void aLiveTokenForAFilterPastTheBrokersTopicLimitsIsRefused() {
        try (Response response = api(APP, "/api/v1/console/live-token")
                .post(Entity.json(Map.of("topicFilter", "a/".repeat(40) + "#")))) {
            assertThat(response.getStatus()).isEqualTo(400);
            assertThat((String) response.readEntity(Map.class).get("detail"))
                    .contains("topicFilter is longer than the broker takes in a SUBSCRIBE");
        }
    }

    @Test
    void prometheusMetricsAreServedOnTheAdminPort() {
        try (Response response = APP.client().target("http://127.0.0.1:" + APP.getAdminPort() + "/prometheus")
                .request().get()) {
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getHeaderString(HttpHeaders.CONTENT_TYPE)).startsWith("text/plain; version=0.0.4");
            assertThat(response.readEntity(String.class)).contains("# TYPE mqtt_connects_total counter")
                    .contains("history_writer_lag_total ")
                    .contains("io_mqttbridge_api_resources_DeviceResource_create_seconds_count");
        }
    }

    @Test
    void theLogLevelTaskRefusesAnUnknownLevelOrDurationNamingItAndRunsWithGoodOnes() {
        assertThat(logLevelTask("logger=io.mqttbridge.probe&level=NOTALEVEL")).startsWith("400 ")
                .contains("level must be one of OFF, ERROR, WARN, INFO, DEBUG, TRACE, ALL");
        assertThat(logLevelTask("logger=io.mqttbridge.probe&level=DEBUG&duration=abc")).startsWith("400 ")
                .contains("duration must be an ISO-8601 duration");
        assertThat(logLevelTask("logger=io.mqttbridge.probe&level=DEBUG&duration=PT-5S")).startsWith("400 ")
                .contains("duration must be positive");
        assertThat(logLevelTask("level=DEBUG")).startsWith("400 ").contains("logger is required");
        assertThat(logLevelTask("logger=io.mqttbridge.probe&levl=DEBUG")).startsWith("400 ")
                .contains("unknown parameter 'levl'");
        assertThat(((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.mqttbridge.probe")).getLevel())
                .as("no bad request changed the level").isNull();

        assertThat(logLevelTask("logger=io.mqttbridge.probe&level=warn&duration=PT1M")).startsWith("200 ");
        assertThat(((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.mqttbridge.probe")).getLevel())
                .isEqualTo(ch.qos.logback.classic.Level.WARN);
    }

    private static String logLevelTask(String query) {
        try (Response response = APP.client().target("http://127.0.0.1:" + APP.getAdminPort() + "/tasks/log-level?" + query)
                .request().post(Entity.text(""))) {
            return response.getStatus() + " " + response.readEntity(String.class);
        }
    }

    @Test
    void unauthenticatedApiRequestsGet401() {
        try (Response response = APP.client().target("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/devices")
                .request().get()) {
            assertThat(response.getStatus()).isEqualTo(401);
        }
    }
}
