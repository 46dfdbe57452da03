package io.mqttbridge.kafka.endtoend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.kafka.events.KafkaSessionEventPublisher;
import io.mqttbridge.kafka.events.SessionEventsConfig;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.MirroredBroker;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Session events in Kafka for what real MQTT 3.1.1 and 5 clients do with the real broker. */
class SessionEventsEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String bootstrap = TestKafka.bootstrapServers();
    private final String topic = KafkaTestClients.uniqueTopic("e2e-session-events");
    private KafkaSessionEventPublisher events;
    private MqttBroker broker;

    @BeforeEach
    void start() {
        events = KafkaSessionEventPublisher.create(bootstrap, new ProducerSettings(),
                new SessionEventsConfig().setTopic(topic).setHeartbeatIntervalMs(600_000), MirroredBroker.NODE_ID,
                new MetricRegistry());
        events.start();
        broker = MirroredBroker.startWithoutMirror(events);
    }

    @AfterEach
    void stop() {
        broker.stop();
        events.close();
    }

    @Test
    void mqtt311ConnectSubscribeUnsubscribeAndDisconnectArriveInOrderKeyedByClientId() throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + broker.port(), "ev-311", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setUserName("carol");
        client.connect(options);
        client.subscribe(new String[] {"a/#", "b/+"}, new int[] {1, 0});
        client.unsubscribe("a/#");
        client.disconnect();
        client.close();

        List<JsonNode> ev = eventsOf("ev-311", 4);
        assertThat(ev).extracting(e -> e.get("type").asText())
                .containsExactly("connected", "subscribed", "unsubscribed", "disconnected");
        JsonNode connected = ev.get(0);
        assertThat(connected.get("protocolVersion").asInt()).isEqualTo(4);
        assertThat(connected.get("username").asText()).isEqualTo("carol");
        assertThat(connected.get("cleanStart").asBoolean()).isTrue();
        assertThat(connected.get("remoteAddress").asText()).startsWith("127.0.0.1:");
        assertThat(ev).allSatisfy(e -> {
            assertThat(e.get("node").asText()).isEqualTo(MirroredBroker.NODE_ID);
            assertThat(e.get("connectionId").asText()).isEqualTo(connected.get("connectionId").asText());
        });
        assertThat(ev.get(1).get("topicFilters")).extracting(JsonNode::asText).containsExactly("a/#", "b/+");
        assertThat(ev.get(1).get("grantedQos")).extracting(JsonNode::asInt).containsExactly(1, 0);
        assertThat(ev.get(2).get("topicFilters")).extracting(JsonNode::asText).containsExactly("a/#");
        assertThat(ev.get(3).get("reason").asText()).isEqualTo("client_disconnect");
        assertThat(ev.get(3).get("willPublished").asBoolean()).isFalse();
    }

    @Test
    void mqtt5ClientThatDiesWithAWillGivesADisconnectedEventWithWillPublished() throws Exception {
        List<String> wills = new CopyOnWriteArrayList<>();
        MqttClient watcher = new MqttClient("tcp://127.0.0.1:" + broker.port(), "ev-watcher", new MemoryPersistence());
        watcher.connect();
        watcher.subscribe("wills/#", 1, (t, m) -> wills.add(new String(m.getPayload(), UTF_8)));

        org.eclipse.paho.mqttv5.client.MqttAsyncClient client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(
                "tcp://127.0.0.1:" + broker.port(), "ev-5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setWill("wills/ev-5", new MqttMessage("gone".getBytes(UTF_8), 1, false, null));
        options.setSessionExpiryInterval(0L);
        client.connect(options).waitForCompletion(10_000);
        client.subscribe(new String[] {"c/#", "d/+"}, new int[] {2, 1}).waitForCompletion(10_000);
        client.unsubscribe("d/+").waitForCompletion(10_000);
        // Drop the TCP connection without DISCONNECT, as a device losing power would.
        client.disconnectForcibly(0, 1_000, false);

        await().atMost(Duration.ofSeconds(10)).until(() -> wills.contains("gone"));
        // Closed only now: Paho 1.2.5 may still be releasing the UNSUBACK's packet id on its receiver thread.
        client.close(true);
        watcher.disconnect();
        watcher.close();
        List<JsonNode> ev = eventsOf("ev-5", 4);
        assertThat(ev).extracting(e -> e.get("type").asText())
                .containsExactly("connected", "subscribed", "unsubscribed", "disconnected");
        assertThat(ev.get(0).get("protocolVersion").asInt()).isEqualTo(5);
        assertThat(ev.get(0).get("cleanStart").asBoolean()).isTrue();
        assertThat(ev.get(1).get("topicFilters")).extracting(JsonNode::asText).containsExactly("c/#", "d/+");
        assertThat(ev.get(1).get("grantedQos")).extracting(JsonNode::asInt).containsExactly(2, 1);
        assertThat(ev.get(2).get("topicFilters")).extracting(JsonNode::asText).containsExactly("d/+");
        JsonNode disconnected = ev.get(3);
        assertThat(disconnected.get("willPublished").asBoolean()).isTrue();
        assertThat(disconnected.get("reason").asText()).isEqualTo("connection_lost");
    }

    @Test
    void mqtt311ClientThatDiesWithAWillGivesADisconnectedEventWithWillPublished() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttAsyncClient client = new org.eclipse.paho.client.mqttv3.MqttAsyncClient(
                "tcp://127.0.0.1:" + broker.port(), "ev-311-will", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setWill("wills/ev-311-will", "gone".getBytes(UTF_8), 1, false);
        client.connect(options).waitForCompletion(10_000);
        client.disconnectForcibly(0, 1_000, false);

        List<JsonNode> ev = eventsOf("ev-311-will", 2);
        client.close(true);
        assertThat(ev).extracting(e -> e.get("type").asText()).containsExactly("connected", "disconnected");
        assertThat(ev.get(1).get("willPublished").asBoolean()).isTrue();
        assertThat(ev.get(1).get("reason").asText()).isEqualTo("connection_lost");
    }

    /** The events of one client, in the order they are in Kafka (one partition per key). */
    private List<JsonNode> eventsOf(String clientId, int expected) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> KafkaTestClients
                        .readAll(bootstrap, topic, 1, Duration.ofSeconds(10)).stream()
                        .filter(r -> r.key() != null && clientId.equals(new String(r.key(), UTF_8)))
                        .sorted((a, b) -> Long.compare(a.offset(), b.offset()))
                        .map(SessionEventsEndToEndTest::json).toList(),
                list -> list.size() >= expected);
    }

    private static JsonNode json(ConsumerRecord<byte[], byte[]> record) {
        try {
            return JSON.readTree(record.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
