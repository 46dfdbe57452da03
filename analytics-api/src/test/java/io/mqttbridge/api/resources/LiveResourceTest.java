package io.mqttbridge.api.resources;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.spi.PublishedMessage;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.mqttbridge.api.resources.ResourceTestSupport.ADMIN;
import static io.mqttbridge.api.resources.ResourceTestSupport.READER;
import static io.mqttbridge.api.resources.ResourceTestSupport.as;
import static io.mqttbridge.api.resources.ResourceTestSupport.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The live endpoints on a real broker with real MQTT 5 clients. */
@ExtendWith(DropwizardExtensionsSupport.class)
class LiveResourceTest {

    static final MqttBroker broker = startBroker();

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(new LiveResource(broker))
            .build();

    static final ResourceExtension withoutBroker = ResourceTestSupport.resources()
            .addResource(new LiveResource(null))
            .build();

    static MqttClient subscriber;

    private static MqttBroker startBroker() {
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        MqttBroker started = new MqttBroker(config);
        started.start();
        return started;
    }

    @BeforeAll
    static void connect() throws MqttException {
        subscriber = new MqttClient("tcp://127.0.0.1:" + broker.port(), "live-sub", new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName("someone");
        subscriber.connect(options);
        subscriber.subscribe(new String[] {"alerts/#", "cmd/+/set"}, new int[] {1, 0});
    }

    @AfterAll
    static void stop() throws MqttException {
        if (subscriber.isConnected()) {
            subscriber.disconnectForcibly(100);
        }
        subscriber.close();
        broker.stop();
    }

    @Test
    @SuppressWarnings("unchecked")
    void connectedClientsAndTheirSubscriptionsAreListed() {
        Map<String, Object> page = as(resources, READER, "/api/v1/live/clients").get(Map.class);
        assertThat((List<Map<String, Object>>) page.get("items")).extracting(c -> c.get("clientId")).contains("live-sub");
        Map<String, Object> client = as(resources, READER, "/api/v1/live/clients/live-sub").get(Map.class);
        assertThat(client).containsEntry("username", "someone").containsEntry("protocolVersion", 5);
        assertThat((String) client.get("remoteAddress")).startsWith("127.0.0.1:");
        assertThat((Map<String, Object>) client.get("delivery")).as("its queue, in flight and overflow drops")
                .containsEntry("queuedMessages", 0).containsEntry("inflightMessages", 0)
                .containsEntry("overflowDrops", 0).containsKey("queuedBytes");

        List<Map<String, Object>> subscriptions = as(resources, READER, "/api/v1/live/clients/live-sub/subscriptions")
                .get(List.class);
        Map<String, Object> state = as(resources, READER, "/api/v1/live/broker").get(Map.class);
        assertThat(state).containsEntry("port", broker.port()).containsEntry("subscriptions", 2);
        assertThat((Integer) state.get("connectedClients")).isGreaterThanOrEqualTo(1);
        assertThat(subscriptions).extracting(s -> s.get("topicFilter"), s -> s.get("qos")).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alerts/#", 1), org.assertj.core.groups.Tuple.tuple("cmd/+/set", 0));
    }

    @Test
    @SuppressWarnings("unchecked")
    void connectedClientsComeInPagesByClientIdWithACursor() throws MqttException {
        List<MqttClient> more = new java.util.ArrayList<>();
        try {
            for (String id : List.of("page-c", "page-a", "page-e", "page-b", "page-d")) {
                MqttClient client = new MqttClient("tcp://127.0.0.1:" + broker.port(), id, new MemoryPersistence());
                more.add(client);
                client.connect();
            }
            List<Object> seen = new java.util.ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                String query = "/api/v1/live/clients?limit=2" + (cursor == null ? "" : "&cursor=" + cursor);
                Map<String, Object> page = as(resources, READER, query).get(Map.class);
                List<Map<String, Object>> items = (List<Map<String, Object>>) page.get("items");
                assertThat(items).hasSizeLessThanOrEqualTo(2);
                items.forEach(item -> seen.add(item.get("clientId")));
                cursor = (String) page.get("nextCursor");
                pages++;
            } while (cursor != null && pages < 10);

            assertThat(seen).as("every connected client once, sorted by client id").doesNotHaveDuplicates()
                    .isSortedAccordingTo(java.util.Comparator.comparing(String::valueOf))
                    .containsSubsequence("live-sub", "page-a", "page-b", "page-c", "page-d", "page-e");
            assertThat(pages).isEqualTo((seen.size() + 1) / 2);
        } finally {
            for (MqttClient client : more) {
                client.disconnectForcibly(100);
                client.close();
            }
        }
    }

    @Test
    void aForgedCursorOrALimitOutOfRangeGets400() {
        assertProblem(as(resources, READER, "/api/v1/live/clients?cursor=bm90LW91cnM").get(), 400, "invalid cursor");
        assertProblem(as(resources, READER, "/api/v1/live/clients?limit=0").get(), 400, "limit must be between 1 and 1000");
        assertProblem(as(resources, READER, "/api/v1/live/clients?limit=1001").get(), 400, "limit");
    }

    @Test
    void unknownClientsGet404() {
        assertProblem(as(resources, READER, "/api/v1/live/clients/nobody").get(), 404, "'nobody' is not connected");
        assertProblem(as(resources, READER, "/api/v1/live/clients/nobody/subscriptions").get(), 404, "no session");
        assertProblem(as(resources, ADMIN, "/api/v1/live/clients/nobody").delete(), 404, "'nobody' is not connected");
    }

    @Test
    void onlyAdminsMayDisconnectAndTheClientIsThenDisconnected() throws MqttException {
        MqttClient victim = new MqttClient("tcp://127.0.0.1:" + broker.port(), "live-victim", new MemoryPersistence());
        try {
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setAutomaticReconnect(false);
            victim.connect(options);
            try (var response = as(resources, READER, "/api/v1/live/clients/live-victim").delete()) {
                assertThat(response.getStatus()).isEqualTo(403);
            }
            assertThat(victim.isConnected()).isTrue();

            try (var response = as(resources, ADMIN, "/api/v1/live/clients/live-victim").delete()) {
                assertThat(response.getStatus()).isEqualTo(204);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> !victim.isConnected());
            await().atMost(Duration.ofSeconds(5)).until(() -> broker.connection("live-victim").isEmpty());
        } finally {
            victim.close(true);
        }
    }

    @Test
    void anEndedOfflineSessionTakesItsQueueAndSubscriptionsWithIt() {
        Mqtt5BlockingClient device = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5()
                .identifier("live-persistent").serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        device.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
        device.subscribeWith().topicFilter("queued/#").qos(MqttQos.AT_LEAST_ONCE).send();
        device.disconnect();
        for (int i = 0; i < 3; i++) {
            broker.publish(new PublishedMessage("queued/x", new byte[] {(byte) i}, 1, false, null, null, null,
                    Instant.now(), null)).join();
        }
        assertThat(broker.deliveryState("live-persistent")).hasValueSatisfying(
                state -> assertThat(state.queuedMessages()).isEqualTo(3));

        try (var response = as(resources, READER, "/api/v1/live/sessions/live-persistent").delete()) {
            assertThat(response.getStatus()).isEqualTo(403);
        }
        try (var response = as(resources, ADMIN, "/api/v1/live/sessions/live-persistent").delete()) {
            assertThat(response.getStatus()).isEqualTo(204);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.deliveryState("live-persistent").isEmpty());
        assertThat(broker.subscriptionsOf("live-persistent")).isEmpty();
        assertProblem(as(resources, ADMIN, "/api/v1/live/sessions/live-persistent").delete(), 404, "no session");

        // The next connection starts afresh: no session, and nothing of the old queue arrives.
        List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();
        assertThat(device.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent()).isFalse();
        device.toAsync().subscribeWith().topicFilter("queued/#").qos(MqttQos.AT_LEAST_ONCE).callback(received::add)
                .send().join();
        broker.publish(new PublishedMessage("queued/marker", new byte[] {9}, 1, false, null, null, null,
                Instant.now(), null)).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> !received.isEmpty());
        assertThat(received).extracting(p -> p.getTopic().toString()).containsExactly("queued/marker");

        // A connected client's session ends too, and the client is disconnected.
        try (var response = as(resources, ADMIN, "/api/v1/live/sessions/live-persistent").delete()) {
            assertThat(response.getStatus()).isEqualTo(204);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !device.getState().isConnected());
        assertThat(broker.deliveryState("live-persistent")).isEmpty();
    }

    @Test
    void withoutABrokerInThisProcessLiveRequestsGet503() {
        assertProblem(as(withoutBroker, READER, "/api/v1/live/clients").get(), 503, "does not run the MQTT broker role");
    }
}
