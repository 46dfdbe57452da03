package io.mqttbridge.api.resources;

import com.codahale.metrics.MetricRegistry;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.api.resources.internal.RuntimeDeviceChanges;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.db.registry.DeviceRegistry;
import io.mqttbridge.db.registry.DeviceRegistryConfig;
import io.mqttbridge.db.testing.TestDatabase;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.mqttbridge.api.resources.ResourceTestSupport.ADMIN;
import static io.mqttbridge.api.resources.ResourceTestSupport.READER;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static io.mqttbridge.api.resources.ResourceTestSupport.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The device endpoints against real PostgreSQL, with a real broker authenticating through the
 * device registry, so that "takes effect at once" and "closes the live connection" are observed
 * with a real MQTT client.
 */
class DeviceResourceTest {

    @RegisterExtension
    @Order(1)
    static final TestDatabase db = new TestDatabase();

    @RegisterExtension
    @Order(2)
    static final DropwizardExtensionsSupport dropwizard = new DropwizardExtensionsSupport();

    static DeviceRegistry registry;
    static MqttBroker broker;
    static final List<MqttClient> clients = new ArrayList<>();

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(DeviceResourceTest::startBrokerAndResource)
            .build();

    private static Object startBrokerAndResource() {
        registry = new DeviceRegistry(db.database(), new DeviceRegistryConfig().setClientIdPattern("%u-*"));
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        broker = new MqttBroker(config, registry, registry, PublishSink.NONE, SessionListener.NONE,
                new InMemorySessionStore(), new InMemoryRetainedStore(), new MetricRegistry());
        broker.start();
        return new DeviceResource(db.database(), new RuntimeDeviceChanges(registry, broker));
    }

    @AfterAll
    static void stop() throws MqttException {
        for (MqttClient client : clients) {
            if (client.isConnected()) {
                client.disconnectForcibly(100, 100);
            }
            client.close();
        }
        broker.stop();
        registry.close();
    }

    @BeforeEach
    void clean() {
        db.truncateAll();
    }

    private static MqttClient connect(String deviceId, String password) throws MqttException {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + broker.port(), deviceId + "-" + UUID.randomUUID(),
                new MemoryPersistence());
        clients.add(client);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setUserName(deviceId);
        options.setPassword(password.toCharArray());
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(5);
        client.connect(options);
        return client;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> create(Map<String, Object> body) {
        try (Response response = as(resources, ADMIN, "/api/v1/devices").post(Entity.json(body))) {
            assertThat(response.getStatus()).isEqualTo(201);
            return response.readEntity(Map.class);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> get(String id) {
        return as(resources, READER, "/api/v1/devices/" + id).get(Map.class);
    }

    private static Response patch(String id, Map<String, Object> body) {
        return as(resources, ADMIN, "/api/v1/devices/" + id).method("PATCH", Entity.json(body));
    }

    @Test
    @SuppressWarnings("unchecked")
    void createWithoutPasswordReturnsAGeneratedOneOnceThatTheDeviceCanConnectWith() throws Exception {
        Map<String, Object> created = create(Map.of("id", "sensor-1", "displayName", "Sensor 1"));

        String password = (String) created.get("generatedPassword");
        assertThat(password).hasSizeGreaterThanOrEqualTo(32);
        assertThat((Map<String, Object>) created.get("device")).containsEntry("id", "sensor-1")
                .containsEntry("enabled", true).containsEntry("displayName", "Sensor 1");
        assertThat(connect("sensor-1", password).isConnected()).isTrue();
        assertThat(get("sensor-1").toString()).doesNotContain(password);
        assertThat((List<?>) get("sensor-1").get("credentials")).hasSize(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void createWithPasswordMetadataAndRulesStoresThemAndDoesNotEchoThePassword() throws Exception {
        Map<String, Object> created = create(Map.of("id", "s2", "password", "given-secret",
                "metadata", Map.of("site", "north", "floor", 3),
                "aclRules", List.of(Map.of("permission", "allow", "action", "publish", "topicFilter", "devices/%c/#"))));

        assertThat(created).doesNotContainKey("generatedPassword");
        assertThat(created.toString()).doesNotContain("given-secret");
        Map<String, Object> device = get("s2");
        assertThat((Map<String, Object>) device.get("metadata")).containsEntry("site", "north").containsEntry("floor", 3);
        assertThat((List<Map<String, Object>>) device.get("aclRules")).containsExactly(
                Map.of("permission", "allow", "action", "publish", "topicFilter", "devices/%c/#"));
        assertThat(connect("s2", "given-secret").isConnected()).isTrue();
    }

    @Test
    void creatingATakenIdGets409() {
        create(Map.of("id", "dup"));
        assertProblem(as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", "dup"))), 409,
                "'dup' already exists");
    }

    @Test
    void invalidCreationsGet400SayingWhatIsWrongAndCreateNothing() {
        assertProblem(as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", " "))), 400,
                "device id must not be empty");
        assertProblem(as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", "x", "aclRules",
                List.of(Map.of("permission", "allow", "action", "publish", "topicFilter", "a/#/b"))))), 400,
                "aclRules[0]");
        assertProblem(as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", "x", "aclRules",
                List.of(Map.of("permission", "maybe", "action", "publish", "topicFilter", "a"))))), 400,
                "aclRules[0].permission must be allow or deny");
        assertProblem(as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", "x", "password", ""))), 400,
                "password must not be empty");
        assertProblem(as(resources, READER, "/api/v1/devices/x").get(), 404, "no device 'x'");
    }

    @Test
    void theLocationOfANewDeviceEncodesItsIdAsOnePathSegment() {
        try (Response response = as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", "hall 3/ü")))) {
            assertThat(response.getStatus()).isEqualTo(201);
            // Form encoding made it "hall+3%2F%C3%BC": a link to a device "hall+3/ü".
            assertThat(response.getHeaderString("Location")).endsWith("/api/v1/devices/hall%203%2F%C3%BC");
        }
        // The dots of "." and ".." encoded too: a client would take "/devices/.." for "/api/v1/".
        for (Map.Entry<String, String> idAndSegment : Map.of("..", "%2E%2E", ".", "%2E", "dev%x", "dev%25x",
                "dev\\x", "dev%5Cx", "..x", "..x").entrySet()) {
            try (Response response = as(resources, ADMIN, "/api/v1/devices").post(
                    Entity.json(Map.of("id", idAndSegment.getKey())))) {
                assertThat(response.getStatus()).isEqualTo(201);
                assertThat(response.getHeaderString("Location")).endsWith("/api/v1/devices/" + idAndSegment.getValue());
            }
        }
    }

    /** A body is taken as written or refused: no field given twice, no value of another JSON type. */
    @Test
    void aValueOfAnotherJsonTypeOrAFieldGivenTwiceIsRefused() {
        create(Map.of("id", "typed"));
        assertProblem(postRaw("{\"id\": 123}"), 400, "id must be a string, was 123");
        assertProblem(postRaw("{\"id\": true}"), 400, "id must be a string");
        assertProblem(postRaw("[]"), 400, "the body must be an object");
        assertProblem(postRaw("{\"id\": \"big\", \"metadata\": {\"a\": [1e999999]}}"), 400,
                "metadata.a[0] is a number past what a double holds");
        assertProblem(postRaw("{\"id\": \"first\", \"id\": \"second\"}"), 400, "Duplicate field 'id'");
        for (String enabled : List.of("0", "2", "\"false\"")) {
            assertProblem(as(resources, ADMIN, "/api/v1/devices/typed").method("PATCH",
                    Entity.entity("{\"enabled\": " + enabled + "}", MediaType.APPLICATION_JSON)), 400,
                    "enabled must be true or false");
        }
        assertProblem(as(resources, ADMIN, "/api/v1/devices/typed/credentials/rotate").post(
                Entity.entity("{\"graceSeconds\": 1.9}", MediaType.APPLICATION_JSON)), 400, "graceSeconds");
        assertThat(get("typed")).containsEntry("enabled", true);
        assertProblem(as(resources, READER, "/api/v1/devices/second").get(), 404, "no device 'second'");
    }

    @Test
    void aDisplayNameOrScramIterationsPastTheirBoundsAreRefused() {
        assertProblem(as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", "long-name",
                "displayName", "d".repeat(1025)))), 400, "displayName longer than 1024 characters");
        create(Map.of("id", "long-name", "displayName", "d".repeat(1024)));
        assertProblem(as(resources, ADMIN, "/api/v1/devices/long-name").method("PATCH",
                Entity.json(Map.of("displayName", "d".repeat(1025)))), 400, "displayName longer than 1024");
        String twoBillionIterations = "SCRAM-SHA-256$2000000000:W22ZaJ0SNY7soEsUEjb6gQ==$"
                + "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
        assertProblem(as(resources, ADMIN, "/api/v1/devices/long-name").method("PATCH",
                Entity.json(Map.of("scramCredentials", List.of(twoBillionIterations)))), 400,
                "iterations must be between 4096 and 600000");
    }

    private static Response postRaw(String json) {
        return as(resources, ADMIN, "/api/v1/devices").post(Entity.entity(json, MediaType.APPLICATION_JSON));
    }

    @Test
    void aFieldTheApiDoesNotKnowIsRefusedNamingItInsteadOfIgnored() {
        assertProblem(as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", "typo", "passwrd", "secret"))),
                400, "unknown field 'passwrd'; known here: aclRules, displayName, enabled, id, metadata, password,"
                        + " scramCredentials");
        assertProblem(as(resources, ADMIN, "/api/v1/devices").post(Entity.json(Map.of("id", "typo", "aclRules",
                List.of(Map.of("permission", "allow", "action", "all", "topicFiltr", "a/#"))))), 400,
                "unknown field 'aclRules[0].topicFiltr'");
        assertProblem(as(resources, READER, "/api/v1/devices/typo").get(), 404, "no device 'typo'");
    }

    @Test
    void textPostgresqlCannotStoreAsSentIsRefusedNamingWhereItIs() {
        // Before: U+0000 was a 500 from the database; "a\ud800" created the device "a?".
        assertProblem(postJson("{\"id\": \"a\\u0000b\"}"), 400, "id must not contain U+0000");
        assertProblem(postJson("{\"id\": \"a\\ud800\"}"), 400,
                "id must not contain an unpaired UTF-16 surrogate (\\ud800)");
        assertProblem(postJson("{\"id\": \"t\", \"displayName\": \"x\\udc00y\"}"), 400,
                "displayName must not contain an unpaired UTF-16 surrogate (\\udc00)");
        assertProblem(postJson("{\"id\": \"t\", \"aclRules\": [{\"permission\": \"allow\", \"action\": \"all\","
                + " \"topicFilter\": \"a/\\ud83d\"}]}"), 400, "aclRules[0].topicFilter must not contain an unpaired");
        assertProblem(postJson("{\"id\": \"t\", \"metadata\": {\"tags\": [\"ok\", \"b\\u0000\"]}}"), 400,
                "metadata.tags must not contain U+0000");
        assertProblem(postJson("{\"id\": \"t\", \"metadata\": {\"site\": {\"k\\u0000\": 1}}}"), 400,
                "a key of metadata.site must not contain U+0000");
        assertProblem(postJson("{\"id\": \"t\", \"metadata\": {\"k\\u0000\": 1}}"), 400,
                "a key of metadata must not contain U+0000");
        assertProblem(as(resources, READER, "/api/v1/devices/t").get(), 404, "no device 't'");

        // A character outside the BMP is a surrogate pair, and stored as it was sent.
        create(Map.of("id", "drop-\uD83D\uDCA7", "displayName", "\uD83D\uDCA7 pump"));
        assertThat(get("drop-\uD83D\uDCA7")).containsEntry("displayName", "\uD83D\uDCA7 pump");
    }

    @Test
    void aPatchWithTextThatCannotBeStoredChangesNothing() {
        create(Map.of("id", "p4", "displayName", "old", "metadata", Map.of("a", 1)));
        try (Response response = as(resources, ADMIN, "/api/v1/devices/p4").method("PATCH", Entity.entity(
                "{\"displayName\": \"new\", \"metadata\": {\"a\": {\"\\u0000\": 2}}}", MediaType.APPLICATION_JSON))) {
            assertProblem(response, 400, "a key of metadata.a must not contain U+0000");
        }
        assertThat(get("p4")).containsEntry("displayName", "old").containsEntry("metadata", Map.of("a", 1));
    }

    @Test
    void noReaderSeesAPatchHalfApplied() throws Exception {
        create(Map.of("id", "p5", "displayName", "old",
                "aclRules", List.of(Map.of("permission", "allow", "action", "all", "topicFilter", "old/#"))));
        try (org.jdbi.v3.core.Handle lock = db.jdbi().open()) {
            // The rules are held, so the PATCH stops after its display name, before its rules.
            lock.begin();
            lock.execute("LOCK TABLE device_acl_rules IN EXCLUSIVE MODE");
            CompletableFuture<Integer> patch = CompletableFuture.supplyAsync(() -> {
                try (Response response = patch("p5", Map.of("displayName", "new", "aclRules",
                        List.of(Map.of("permission", "allow", "action", "all", "topicFilter", "new/#"))))) {
                    return response.getStatus();
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                            + " WHERE c.relname = 'device_acl_rules' AND NOT l.granted").mapTo(Long.class).one()) > 0);

            assertThat(db.database().devices().find("p5").orElseThrow().displayName())
                    .as("the new name is not visible while the rules are still the old ones").isEqualTo("old");
            lock.rollback();
            assertThat(patch.get(10, TimeUnit.SECONDS)).isEqualTo(200);
        }
        assertThat(get("p5")).containsEntry("displayName", "new").containsEntry("aclRules",
                List.of(Map.of("permission", "allow", "action", "all", "topicFilter", "new/#")));
    }

    private static Response postJson(String json) {
        return as(resources, ADMIN, "/api/v1/devices").post(Entity.entity(json, MediaType.APPLICATION_JSON));
    }

    @Test
    void readersMayNotCreateAndAnonymousCallersMayNotRead() {
        try (Response response = as(resources, READER, "/api/v1/devices").post(Entity.json(Map.of("id", "r")))) {
            assertThat(response.getStatus()).isEqualTo(403);
        }
        try (Response response = as(resources, null, "/api/v1/devices").get()) {
            assertThat(response.getStatus()).isEqualTo(401);
        }
        assertProblem(as(resources, READER, "/api/v1/devices/r").get(), 404, "no device 'r'");
    }

    @Test
    @SuppressWarnings("unchecked")
    void listFiltersBySearchAndEnabledAndPagesWithTheCursor() {
        for (String id : List.of("pump-1", "pump-2", "pump-3", "valve-1")) {
            create(Map.of("id", id, "enabled", !id.equals("pump-2")));
        }
        Map<String, Object> first = as(resources, READER, "/api/v1/devices?search=PUMP&limit=2").get(Map.class);
        assertThat((List<Map<String, Object>>) first.get("items")).extracting(d -> d.get("id"))
                .containsExactly("pump-1", "pump-2");
        Map<String, Object> second = as(resources, READER, "/api/v1/devices?search=PUMP&limit=2&cursor="
                + first.get("nextCursor")).get(Map.class);
        assertThat((List<Map<String, Object>>) second.get("items")).extracting(d -> d.get("id")).containsExactly("pump-3");
        assertThat(second.get("nextCursor")).isNull();

        Map<String, Object> disabled = as(resources, READER, "/api/v1/devices?enabled=false").get(Map.class);
        assertThat((List<Map<String, Object>>) disabled.get("items")).extracting(d -> d.get("id")).containsExactly("pump-2");
    }

    @Test
    void badListParametersGet400() {
        assertProblem(as(resources, READER, "/api/v1/devices?limit=0").get(), 400, "limit must be between 1 and 1000");
        assertProblem(as(resources, READER, "/api/v1/devices?limit=lots").get(), 400, "limit must be a whole number");
        assertProblem(as(resources, READER, "/api/v1/devices?enabled=perhaps").get(), 400, "enabled must be true or false");
        assertProblem(as(resources, READER, "/api/v1/devices?cursor=%25%25garbled").get(), 400, "invalid cursor");
        // base64url of "k:" and U+0000, which PostgreSQL's text refuses: it was a 500.
        assertProblem(as(resources, READER, "/api/v1/devices?cursor=azoA").get(), 400, "invalid cursor");
        // base64url of "k:" and a byte that is not UTF-8.
        assertProblem(as(resources, READER, "/api/v1/devices?cursor=azr_").get(), 400, "invalid cursor");
    }

    @Test
    @SuppressWarnings("unchecked")
    void patchChangesOnlyTheGivenFieldsAndReplacesRules() {
        create(Map.of("id", "p1", "displayName", "old", "metadata", Map.of("a", 1),
                "aclRules", List.of(Map.of("permission", "allow", "action", "all", "topicFilter", "x/#"))));

        Map<String, Object> changed;
        try (Response response = patch("p1", Map.of("metadata", Map.of("b", 2),
                "aclRules", List.of(Map.of("permission", "deny", "action", "subscribe", "topicFilter", "y/+"))))) {
            assertThat(response.getStatus()).isEqualTo(200);
            changed = response.readEntity(Map.class);
        }
        assertThat(changed).containsEntry("displayName", "old").containsEntry("enabled", true)
                .containsEntry("metadata", Map.of("b", 2));
        assertThat((List<Map<String, Object>>) changed.get("aclRules")).containsExactly(
                Map.of("permission", "deny", "action", "subscribe", "topicFilter", "y/+"));
        try (Response response = patch("p1", Map.of("displayName", "new"))) {
            assertThat(response.getStatus()).isEqualTo(200);
        }
        assertThat(get("p1")).containsEntry("displayName", "new").containsEntry("metadata", Map.of("b", 2));
    }

    @Test
    void patchOfAnUnknownDeviceGets404AndBadRulesGet400() {
        assertProblem(patch("ghost", Map.of("enabled", false)), 404, "no device 'ghost'");
        create(Map.of("id", "p2"));
        assertProblem(patch("p2", Map.of("aclRules", List.of(Map.of("permission", "allow", "action", "read",
                "topicFilter", "a")))), 400, "unknown ACL action 'read'");
    }

    @Test
    void disablingADeviceClosesItsLiveConnectionAndRefusesTheNextConnect() throws Exception {
        create(Map.of("id", "d1", "password", "pw-d1"));
        MqttClient client = connect("d1", "pw-d1");

        try (Response response = patch("d1", Map.of("enabled", false))) {
            assertThat(response.getStatus()).isEqualTo(200);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> !client.isConnected());
        assertThatThrownBy(() -> connect("d1", "pw-d1")).isInstanceOfSatisfying(MqttException.class,
                e -> assertThat(e.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
        try (Response response = patch("d1", Map.of("enabled", true))) {
            assertThat(response.getStatus()).isEqualTo(200);
        }
        assertThat(connect("d1", "pw-d1").isConnected()).isTrue();
    }

    @Test
    void deletingADeviceClosesItsLiveConnectionAndThenItIsGone() throws Exception {
        create(Map.of("id", "del", "password", "pw"));
        MqttClient client = connect("del", "pw");

        try (Response response = as(resources, ADMIN, "/api/v1/devices/del").delete()) {
            assertThat(response.getStatus()).isEqualTo(204);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> !client.isConnected());
        assertProblem(as(resources, READER, "/api/v1/devices/del").get(), 404, "no device 'del'");
        assertProblem(as(resources, ADMIN, "/api/v1/devices/del").delete(), 404, "no device 'del'");
    }

    @Test
    @SuppressWarnings("unchecked")
    void rotatingWithoutGraceRefusesTheOldPasswordAtOnceAndAcceptsTheNewOne() throws Exception {
        create(Map.of("id", "rot", "password", "old-pw"));
        connect("rot", "old-pw").disconnect();

        Map<String, Object> rotated = as(resources, ADMIN, "/api/v1/devices/rot/credentials/rotate")
                .post(Entity.json(Map.of()), Map.class);

        String newPassword = (String) rotated.get("generatedPassword");
        assertThat(newPassword).isNotBlank();
        assertThatThrownBy(() -> connect("rot", "old-pw")).isInstanceOf(MqttException.class);
        assertThat(connect("rot", newPassword).isConnected()).isTrue();
    }

    @Test
    void rotatingWithGraceKeepsTheOldPasswordWorkingAndRejectsBadInput() throws Exception {
        create(Map.of("id", "rot2", "password", "old-pw"));
        try (Response response = as(resources, ADMIN, "/api/v1/devices/rot2/credentials/rotate")
                .post(Entity.json(Map.of("password", "new-pw", "graceSeconds", 600)))) {
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.readEntity(String.class)).doesNotContain("new-pw").doesNotContain("generatedPassword");
        }
        assertThat(connect("rot2", "old-pw").isConnected()).isTrue();
        assertThat(connect("rot2", "new-pw").isConnected()).isTrue();

        assertProblem(as(resources, ADMIN, "/api/v1/devices/rot2/credentials/rotate")
                .post(Entity.json(Map.of("graceSeconds", -1))), 400, "graceSeconds must be between 0 and");
        assertProblem(as(resources, ADMIN, "/api/v1/devices/none/credentials/rotate")
                .post(Entity.json(Map.of())), 404, "no device 'none'");
    }
}
