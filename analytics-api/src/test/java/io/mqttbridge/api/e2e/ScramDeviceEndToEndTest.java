package io.mqttbridge.api.e2e;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeApplication;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.broker.spi.ScramMechanism;
import io.mqttbridge.broker.spi.ScramVerifier;
import io.mqttbridge.testing.postgres.TestPostgres;
import io.mqttbridge.testing.scram.HiveMqScramMechanism;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * MQTT 5 SCRAM for devices of the registry, through the whole application: devices created through
 * the REST API with a password (usable as password and as SCRAM) or with SCRAM verifiers only,
 * HiveMQ clients over real sockets.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ScramDeviceEndToEndTest {

    private static final String TOKEN = "Bearer e2e-admin-token";
    private static String databaseName;

    static final DropwizardAppExtension<BridgeConfiguration> APP = new DropwizardAppExtension<>(
            BridgeApplication.class, ResourceHelpers.resourceFilePath("e2e-config.yml"),
            ConfigOverride.config("dataDirectory", ScramDeviceEndToEndTest::temporaryDataDirectory),
            ConfigOverride.config("database.jdbcUrl", ScramDeviceEndToEndTest::freshDatabase),
            ConfigOverride.config("database.user", () -> TestPostgres.shared().user()),
            ConfigOverride.config("database.password", () -> TestPostgres.shared().password()));

    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();

    private static String temporaryDataDirectory() {
        try {
            return Files.createTempDirectory("bridge-scram-").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String freshDatabase() {
        databaseName = TestPostgres.shared().createDatabase("bridge_scram");
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

    private static Invocation.Builder api(String path) {
        return APP.client().target("http://127.0.0.1:" + APP.getLocalPort() + path).request()
                .header(HttpHeaders.AUTHORIZATION, TOKEN);
    }

    @SuppressWarnings("unchecked")
    private static int mqttPort() {
        return (Integer) api("/api/v1/live/broker").get(Map.class).get("port");
    }

    private static void create(Map<String, Object> body) {
        try (Response created = api("/api/v1/devices").post(Entity.json(body))) {
            assertThat(created.getStatus()).isEqualTo(201);
        }
    }

    private Mqtt5BlockingClient scramClient(String device, HiveMqScramMechanism mechanism) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(device).serverHost("127.0.0.1")
                .serverPort(mqttPort()).enhancedAuth(mechanism).buildBlocking();
        clients.add(client);
        return client;
    }

    private Mqtt5BlockingClient passwordClient(String device, String password) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(device).serverHost("127.0.0.1")
                .serverPort(mqttPort()).buildBlocking();
        clients.add(client);
        client.connectWith().simpleAuth().username(device).password(password.getBytes(StandardCharsets.UTF_8))
                .applySimpleAuth().send();
        return client;
    }

    @Test
    void aDeviceCreatedWithAPasswordLogsInWithThePasswordAndWithBothScramMechanisms() {
        create(Map.of("id", "pw-device", "password", "pw-secret"));

        for (String method : List.of("SCRAM-SHA-256", "SCRAM-SHA-512")) {
            HiveMqScramMechanism mechanism = new HiveMqScramMechanism(method, "pw-device", "pw-secret");
            Mqtt5BlockingClient client = scramClient("pw-device", mechanism);
            assertThat(client.connect().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
            assertThat(mechanism.serverVerified).hasValue(1);
            client.disconnect();
        }
        passwordClient("pw-device", "pw-secret").disconnect();
    }

    @Test
    void aDeviceCreatedWithAVerifierOnlyLogsInWithThatMechanismAndNotTheOther() {
        String verifier = ScramVerifier.derive(ScramMechanism.SHA_512, "verifier-secret").format();
        create(Map.of("id", "scram-device", "scramCredentials", List.of(verifier)));

        Mqtt5BlockingClient sha512 = scramClient("scram-device",
                new HiveMqScramMechanism("SCRAM-SHA-512", "scram-device", "verifier-secret"));
        assertThat(sha512.connect().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        sha512.disconnect();

        Mqtt5BlockingClient sha256 = scramClient("scram-device",
                new HiveMqScramMechanism("SCRAM-SHA-256", "scram-device", "verifier-secret"));
        assertThatThrownBy(sha256::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void aWrongScramPasswordIsBadUserNameOrPassword() {
        create(Map.of("id", "wrong-device", "password", "right"));

        Mqtt5BlockingClient client = scramClient("wrong-device",
                new HiveMqScramMechanism("SCRAM-SHA-256", "wrong-device", "wrong"));

        assertThatThrownBy(client::connect).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e ->
                assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    }

    @Test
    void reauthenticationAfterARotationThroughTheApiEndsTheConnection() throws Exception {
        create(Map.of("id", "rotated-device", "password", "before"));
        HiveMqScramMechanism mechanism = new HiveMqScramMechanism("SCRAM-SHA-256", "rotated-device", "before");
        Mqtt5BlockingClient client = scramClient("rotated-device", mechanism);
        client.connect();
        client.toAsync().reauth().get(10, TimeUnit.SECONDS);
        assertThat(mechanism.reauthSucceeded).hasValue(1);

        // With a grace period the old password still logs in with a password; SCRAM knows only the newest.
        try (Response rotated = api("/api/v1/devices/rotated-device/credentials/rotate")
                .post(Entity.json(Map.of("password", "after", "graceSeconds", 3600)))) {
            assertThat(rotated.getStatus()).isEqualTo(200);
        }
        client.toAsync().reauth().handle((ok, error) -> null).get(10, TimeUnit.SECONDS);

        await().atMost(10, TimeUnit.SECONDS).until(() -> mechanism.reauthRejected.get() != null);
        assertThat(mechanism.reauthRejected.get().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED);
        mechanism.password = "after";
        Mqtt5BlockingClient again = scramClient("rotated-device", mechanism);
        assertThat(again.connect().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    }

    @Test
    @SuppressWarnings("unchecked")
    void credentialsListTheirKindsAndBadVerifiersAreRefusedWithAProblem() {
        create(Map.of("id", "kinds-device", "password", "p"));
        Map<String, Object> device = api("/api/v1/devices/kinds-device").get(Map.class);
        List<Map<String, Object>> credentials = (List<Map<String, Object>>) device.get("credentials");
        assertThat(credentials).singleElement().satisfies(c ->
                assertThat((List<String>) c.get("kinds")).containsExactly("password", "SCRAM-SHA-256", "SCRAM-SHA-512"));

        try (Response refused = api("/api/v1/devices").post(Entity.json(Map.of("id", "bad-verifier",
                "scramCredentials", List.of("SCRAM-SHA-256$10:AAAA$AAAA:AAAA"))))) {
            assertThat(refused.getStatus()).isEqualTo(400);
            assertThat(refused.getMediaType().toString()).startsWith("application/problem+json");
            assertThat(refused.readEntity(String.class)).contains("scramCredentials[0]").doesNotContain("AAAA");
        }
        try (Response absent = api("/api/v1/devices/bad-verifier").get()) {
            assertThat(absent.getStatus()).isEqualTo(404);
        }
    }
}
