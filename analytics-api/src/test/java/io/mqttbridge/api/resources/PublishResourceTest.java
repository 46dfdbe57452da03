package io.mqttbridge.api.resources;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.mqttbridge.api.resources.ResourceTestSupport.ADMIN;
import static io.mqttbridge.api.resources.ResourceTestSupport.READER;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static io.mqttbridge.api.resources.ResourceTestSupport.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code POST /api/v1/publish} on a real broker, received by real MQTT 5 clients (HiveMQ client). */
@ExtendWith(DropwizardExtensionsSupport.class)
class PublishResourceTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    static final MqttBroker broker = startBroker();

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(new PublishResource(broker))
            .build();

    static final ResourceExtension withoutBroker = ResourceTestSupport.resources()
            .addResource(new PublishResource(null))
            .build();

    private static MqttBroker startBroker() {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        config.setMaxPacketSize(2048);
        MqttBroker started = new MqttBroker(config);
        started.start();
        return started;
    }

    @AfterAll
    static void stop() {
        broker.stop();
    }

    @Test
    void aTextMessageReachesTheSubscriberWithItsQosAndProperties() {
        Mqtt5BlockingClient device = client("lamp-1");
        List<Mqtt5Publish> received = subscribe(device, "cmd/lamp-1/#");

        Map<String, Object> answer = publish(Map.of("topic", "cmd/lamp-1/set", "payload", "on", "qos", 1,
                "contentType", "text/plain", "responseTopic", "replies/backend",
                "correlationData", Base64.getEncoder().encodeToString(new byte[] {7, 8}),
                "userProperties", List.of(Map.of("name", "origin", "value", "dashboard"))));
        assertThat(answer).containsEntry("topic", "cmd/lamp-1/set").containsEntry("sessionsOnThisNode", 1);

        await().atMost(WAIT).until(() -> !received.isEmpty());
        Mqtt5Publish message = received.get(0);
        assertThat(new String(message.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("on");
        assertThat(message.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
        assertThat(message.getContentType()).hasValueSatisfying(type -> assertThat(type.toString()).isEqualTo("text/plain"));
        assertThat(message.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("replies/backend"));
        assertThat(message.getCorrelationData()).hasValueSatisfying(data -> {
            byte[] bytes = new byte[data.remaining()];
            data.duplicate().get(bytes);
            assertThat(bytes).containsExactly(7, 8);
        });
        assertThat(message.getUserProperties().asList()).extracting(p -> p.getName() + "=" + p.getValue())
                .containsExactly("origin=dashboard");
        assertThat(message.isRetain()).isFalse();
        device.disconnect();
    }

    @Test
    void jsonAndBase64PayloadsArriveAsTheirBytes() {
        Mqtt5BlockingClient device = client("lamp-2");
        List<Mqtt5Publish> received = subscribe(device, "cmd/lamp-2/#");

        publish(Map.of("topic", "cmd/lamp-2/json", "payload", Map.of("on", true), "payloadEncoding", "json"));
        publish(Map.of("topic", "cmd/lamp-2/raw", "payload", Base64.getEncoder().encodeToString(new byte[] {0, -1, 2}),
                "payloadEncoding", "base64"));

        await().atMost(WAIT).until(() -> received.size() == 2);
        assertThat(new String(received.get(0).getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"on\":true}");
        assertThat(received.get(1).getPayloadAsBytes()).containsExactly(0, -1, 2);
        device.disconnect();
    }

    @Test
    void aRetainedMessageIsKeptForTheNextSubscriber() {
        assertThat(publish(Map.of("topic", "cmd/lamp-3/state", "payload", "off", "retain", true)))
                .containsEntry("sessionsOnThisNode", 0);
        Mqtt5BlockingClient later = client("lamp-3");
        List<Mqtt5Publish> received = subscribe(later, "cmd/lamp-3/state");
        await().atMost(WAIT).until(() -> !received.isEmpty());
        assertThat(received.get(0).isRetain()).isTrue();
        assertThat(new String(received.get(0).getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("off");
        later.disconnect();
    }

    @Test
    void badRequestsAreRefusedSayingWhatIsWrong() {
        assertProblem(post(READER, Map.of("topic", "cmd/x", "payload", "on")), 403, "");
        assertProblem(post(ADMIN, Map.of("payload", "on")), 400, "topic is required");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/#", "payload", "on")), 400, "not a valid MQTT topic name");
        assertProblem(post(ADMIN, Map.of("topic", "$SYS/broker/uptime", "payload", "1")), 400, "$SYS");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/x", "qos", 3)), 400, "qos must be 0, 1 or 2");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/x", "payload", 5)), 400, "payload must be a string");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/x", "payload", "%%", "payloadEncoding", "base64")), 400,
                "not valid base64");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/x", "payload", "x", "payloadEncoding", "hex")), 400,
                "payloadEncoding must be");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/x", "payloadEncoding", "hex")), 400, "payloadEncoding must be");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/x", "payload", "x".repeat(3000))), 413, "maximum packet size");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/x", "responseTopic", "a/+")), 400, "responseTopic");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/x", "messageExpiryInterval", 0)), 400, "messageExpiryInterval");
        try (Response unknownField = post(ADMIN, Map.of("topic", "cmd/x", "qoss", 1))) {
            assertThat(unknownField.getStatus()).isEqualTo(400);
        }
        assertProblem(as(withoutBroker, ADMIN, "/api/v1/publish").post(Entity.json(Map.of("topic", "cmd/x"))), 503,
                "broker role");
    }

    @Test
    void aTopicPastTheBrokersLimitsANullUserPropertyOrAValueOfAnotherTypeIsRefused() {
        assertProblem(post(ADMIN, Map.of("topic", "a/".repeat(32) + "x", "payload", "on")), 400,
                "topic is longer than the broker takes from its clients (limits.maxTopicLength 1024 characters,"
                        + " limits.maxTopicLevels 32 levels)");
        assertProblem(post(ADMIN, Map.of("topic", "t".repeat(1025), "payload", "on")), 400, "limits.maxTopicLength");
        assertProblem(postRaw("{\"topic\": \"cmd/x\", \"payload\": \"on\", \"userProperties\": [null]}"), 400,
                "userProperties[0] must not be null");
        assertProblem(postRaw("{\"topic\": \"cmd/x\", \"payload\": \"on\", \"qos\": 1.7}"), 400,
                "qos must be a whole number, was 1.7");
        assertProblem(postRaw("{\"topic\": \"cmd/x\", \"payload\": \"on\", \"qos\": \"2\"}"), 400, "qos");
        assertProblem(postRaw("{\"topic\": \"cmd/x\", \"payload\": \"on\", \"retain\": 1}"), 400, "retain");
    }

    @Test
    void propertiesNoMqttPacketCanCarryAreRefusedAndPropertiesCountTowardsTheMaximumPacketSize() {
        Mqtt5BlockingClient subscriber = client("publish-sub-properties");
        List<Mqtt5Publish> received = subscribe(subscriber, "cmd/props");

        // An MQTT string's length has two bytes: sent, 70,000 bytes went out with the length wrapped.
        assertProblem(post(ADMIN, Map.of("topic", "cmd/props", "payload", "x",
                "userProperties", List.of(Map.of("name", "n".repeat(70_000), "value", "v")))), 400,
                "userProperties[0].name is longer than 65535 bytes");
        assertProblem(post(ADMIN, Map.of("topic", "cmd/props", "payload", "x", "contentType", "c".repeat(70_000))),
                400, "contentType is longer than 65535 bytes");
        // Payload and topic fit in 2,048 bytes, the properties take it past.
        assertProblem(post(ADMIN, Map.of("topic", "cmd/props", "payload", "x".repeat(300), "userProperties",
                List.of(Map.of("name", "n".repeat(300), "value", "v".repeat(300)),
                        Map.of("name", "m".repeat(300), "value", "w".repeat(300)),
                        Map.of("name", "o".repeat(300), "value", "u".repeat(300))))), 413, "maximum packet size");
        assertProblem(postRaw("{\"topic\": \"cmd/props\", \"payload\": \"A\\ud83dB\"}"), 400, "unpaired surrogate");
        assertProblem(postRaw("{\"topic\": \"cmd/props\", \"payloadEncoding\": \"json\", \"payload\": {\"k\": \"A\\ud83d\"}}"),
                400, "unpaired surrogate");
        publish(Map.of("topic", "cmd/props", "payload", "fits", "userProperties",
                List.of(Map.of("name", "n".repeat(300), "value", "v".repeat(300)))));

        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        assertThat(received).singleElement().satisfies(message -> {
            assertThat(new String(message.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("fits");
            assertThat(message.getUserProperties().asList()).hasSize(1);
        });
        subscriber.disconnect();
    }

    @Test
    void aUserPropertyWithoutANameOrAValueIsRefusedNamingTheFieldNotAJavaClass() {
        try (Response missingName = postRaw("{\"topic\": \"cmd/x\", \"userProperties\": [{\"value\": \"v\"}]}")) {
            assertThat(missingName.getStatus()).isEqualTo(400);
            assertThat(missingName.readEntity(Map.class)).containsEntry("title", "Missing field")
                    .containsEntry("detail", "userProperties[0].name is required");
        }
        assertProblem(postRaw("{\"topic\": \"cmd/x\", \"userProperties\": [{\"name\": \"n\", \"value\": \"v\"},"
                + " {\"name\": \"m\", \"value\": null}]}"), 400, "userProperties[1].value is required");
    }

    private static Response postRaw(String json) {
        return as(resources, ADMIN, "/api/v1/publish").post(Entity.entity(json, MediaType.APPLICATION_JSON));
    }

    private static Map<String, Object> publish(Map<String, Object> body) {
        try (Response response = post(ADMIN, body)) {
            assertThat(response.getStatus()).isEqualTo(200);
            @SuppressWarnings("unchecked")
            Map<String, Object> answer = response.readEntity(Map.class);
            return answer;
        }
    }

    private static Response post(String authorization, Map<String, Object> body) {
        return as(resources, authorization, "/api/v1/publish").post(Entity.json(body));
    }

    private static Mqtt5BlockingClient client(String clientId) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        client.connect();
        return client;
    }

    private static List<Mqtt5Publish> subscribe(Mqtt5BlockingClient client, String filter) {
        List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();
        client.toAsync().subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE)
                .callback(received::add).send().join();
        return received;
    }
}
