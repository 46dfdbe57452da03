package io.mqttbridge.api.e2e;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A device whose id holds {@code %}, {@code \} or is {@code ..}, connected over MQTT under that id as
 * its client id, can be looked at, disconnected and have its session ended through the API of the
 * real application: the Location its creation answers leads to it, and so does its id encoded as one
 * segment. Jetty refused those paths (400) or read them as other paths (the device list).
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class EncodedIdsEndToEndTest {

    private static final String TOKEN = "e2e-admin-token";
    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-config.yml", "bridge_encoded_ids");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "dev%x", "dev\\x", "a/../b"})
    void aDeviceAndItsClientAreReachedUnderTheirEncodedId(String id) throws Exception {
        HttpResponse<String> created = call("POST", "/api/v1/devices",
                "{\"id\": \"" + id.replace("\\", "\\\\") + "\", \"password\": \"pw-of-the-device\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        String location = URI.create(created.headers().firstValue("Location").orElseThrow()).getRawPath();

        assertThat(call("GET", location, null)).satisfies(response -> {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"id\":\"" + id.replace("\\", "\\\\") + "\"");
        });
        String segment = location.substring("/api/v1/devices/".length());
        MqttClient client = connect(id);
        try {
            assertThat(call("GET", "/api/v1/live/clients/" + segment, null).statusCode()).isEqualTo(200);
            assertThat(call("DELETE", "/api/v1/live/clients/" + segment, null).statusCode()).isEqualTo(204);
            await().until(() -> !client.isConnected());
            assertThat(call("DELETE", "/api/v1/live/sessions/" + segment, null).statusCode()).isEqualTo(204);
        } finally {
            client.close(true);
        }
        assertThat(call("DELETE", location, null).statusCode()).isEqualTo(204);
    }

    private static MqttClient connect(String deviceId) throws Exception {
        int port = (Integer) FreshBridgeApp.api(APP, "/api/v1/live/broker").get(Map.class).get("port");
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + port, deviceId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(deviceId);
        options.setPassword("pw-of-the-device".getBytes(StandardCharsets.UTF_8));
        options.setCleanStart(false);
        options.setSessionExpiryInterval(3600L);
        options.setAutomaticReconnect(false);
        client.connect(options);
        return client;
    }

    /** The path goes out as written: java.net.http does not normalise {@code %2E%2E}. */
    private static HttpResponse<String> call(String method, String path, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort() + path))
                .header("Authorization", "Bearer " + TOKEN);
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
