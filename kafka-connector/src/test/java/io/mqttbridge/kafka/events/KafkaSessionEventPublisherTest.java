package io.mqttbridge.kafka.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class KafkaSessionEventPublisherTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String bootstrap = TestKafka.bootstrapServers();
    private final String topic = KafkaTestClients.uniqueTopic("session-events");

    @Test
    void sessionLifecycleArrivesAsJsonEventsKeyedByClientIdInOrder() {
        ConnectionInfo connection = new ConnectionInfo(UUID.randomUUID(), "dev-1",
                new DeviceIdentity("device-42", "alice", "dev-1", List.of()),
                new InetSocketAddress("127.0.0.1", 50123), MqttVersion.MQTT_5, true, 60, 3600,
                Instant.parse("2026-11-26T10:00:00Z"));
        try (KafkaSessionEventPublisher publisher = publisher(60_000)) {
            publisher.onConnected(connection);
            publisher.onSubscribed(connection, List.of("cmd/dev-1/#", "$share/g/x"), List.of(1, 0));
            publisher.onUnsubscribed(connection, List.of("cmd/dev-1/#"));
            publisher.onDisconnected(connection, new DisconnectInfo(Instant.parse("2026-11-26T10:05:00Z"),
                    DisconnectInfo.KEEP_ALIVE_TIMEOUT, 0x8D, true));
        }

        List<ConsumerRecord<byte[], byte[]>> records = KafkaTestClients.readAll(bootstrap, topic, 4, Duration.ofSeconds(30));
        assertThat(records).allSatisfy(r -> assertThat(new String(r.key(), UTF_8)).isEqualTo("dev-1"));
        List<JsonNode> events = records.stream().map(r -> json(r.value())).toList();
        assertThat(events).extracting(e -> e.get("type").asText())
                .containsExactly("connected", "subscribed", "unsubscribed", "disconnected");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.get("node").asText()).isEqualTo("node-a");
            assertThat(e.get("connectionId").asText()).isEqualTo(connection.connectionId().toString());
            assertThat(e.get("clientId").asText()).isEqualTo("dev-1");
            assertThat(Instant.parse(e.get("timestamp").asText())).isNotNull();
            assertThat(e.get("timestamp").asText()).endsWith("Z");
        });
        JsonNode connected = events.get(0);
        assertThat(connected.get("username").asText()).isEqualTo("alice");
        assertThat(connected.get("deviceId").asText()).isEqualTo("device-42");
        assertThat(connected.get("remoteAddress").asText()).isEqualTo("127.0.0.1:50123");
        assertThat(connected.get("protocolVersion").asInt()).isEqualTo(5);
        assertThat(connected.get("cleanStart").asBoolean()).isTrue();
        assertThat(connected.get("keepAlive").asInt()).isEqualTo(60);
        assertThat(connected.get("sessionExpiry").asLong()).isEqualTo(3600);
        assertThat(connected.get("connectedAt").asText()).isEqualTo("2026-11-26T10:00:00Z");
        JsonNode subscribed = events.get(1);
        assertThat(subscribed.get("topicFilters")).extracting(JsonNode::asText).containsExactly("cmd/dev-1/#", "$share/g/x");
        assertThat(subscribed.get("grantedQos")).extracting(JsonNode::asInt).containsExactly(1, 0);
        assertThat(events.get(2).get("topicFilters")).extracting(JsonNode::asText).containsExactly("cmd/dev-1/#");
        JsonNode disconnected = events.get(3);
        assertThat(disconnected.get("disconnectedAt").asText()).isEqualTo("2026-11-26T10:05:00Z");
        assertThat(disconnected.get("reason").asText()).isEqualTo("keep_alive_timeout");
        assertThat(disconnected.get("reasonCode").asInt()).isEqualTo(0x8D);
        assertThat(disconnected.get("willPublished").asBoolean()).isTrue();
    }

    @Test
    void anonymousMqtt311ClientHasNullUsernameDeviceIdAndReasonCode() {
        ConnectionInfo connection = new ConnectionInfo(UUID.randomUUID(), "anon", DeviceIdentity.anonymous("anon"),
                new InetSocketAddress("127.0.0.1", 4000), MqttVersion.MQTT_3_1_1, false, 30,
                ConnectionInfo.SESSION_NEVER_EXPIRES, Instant.now());
        try (KafkaSessionEventPublisher publisher = publisher(60_000)) {
            publisher.onConnected(connection);
            publisher.onDisconnected(connection, new DisconnectInfo(Instant.now(), DisconnectInfo.CONNECTION_LOST, null, false));
        }

        List<JsonNode> events = KafkaTestClients.readAll(bootstrap, topic, 2, Duration.ofSeconds(30)).stream()
                .map(r -> json(r.value())).toList();
        assertThat(events.get(0).get("username").isNull()).isTrue();
        assertThat(events.get(0).get("deviceId").isNull()).isTrue();
        assertThat(events.get(0).get("protocolVersion").asInt()).isEqualTo(4);
        assertThat(events.get(0).get("sessionExpiry").asLong()).isEqualTo(0xFFFF_FFFFL);
        assertThat(events.get(1).get("reasonCode").isNull()).isTrue();
    }

    @Test
    void startedPublisherSendsPeriodicHeartbeatsKeyedByNode() {
        try (KafkaSessionEventPublisher publisher = publisher(100)) {
            publisher.start();
            List<ConsumerRecord<byte[], byte[]>> records =
                    KafkaTestClients.readAll(bootstrap, topic, 3, Duration.ofSeconds(30));

            assertThat(records).allSatisfy(r -> {
                assertThat(new String(r.key(), UTF_8)).isEqualTo("node-a");
                JsonNode event = json(r.value());
                assertThat(event.get("type").asText()).isEqualTo("heartbeat");
                assertThat(event.get("node").asText()).isEqualTo("node-a");
                assertThat(event.get("clientId").isNull()).isTrue();
            });
            // Every heartbeat of one life names the same start, so readers can tell a restart.
            assertThat(records).extracting(r -> json(r.value()).get("startedAt").asText()).containsOnly(
                    json(records.get(0).value()).get("startedAt").asText());
            assertThat(java.time.Instant.parse(json(records.get(0).value()).get("startedAt").asText()))
                    .isBeforeOrEqualTo(java.time.Instant.parse(json(records.get(0).value()).get("timestamp").asText()));
        }
    }

    @Test
    void anEventKafkaDidNotTakeInTimeIsSentAgainAndAHeartbeatIsNot() {
        // As in a Kafka outage longer than the delivery timeout: the producer fails the send with a timeout.
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        MetricRegistry metrics = new MetricRegistry();
        ConnectionInfo connection = new ConnectionInfo(UUID.randomUUID(), "dev-9", null,
                new InetSocketAddress("127.0.0.1", 50124), MqttVersion.MQTT_5, true, 60, 0, Instant.now());
        try (KafkaSessionEventPublisher publisher = new KafkaSessionEventPublisher(
                new SessionEventsConfig().setTopic(topic).setHeartbeatIntervalMs(60_000), "node-a", producer, MAPPER,
                metrics, java.time.Clock.systemUTC())) {
            publisher.start();
            publisher.onConnected(connection);
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 2);
            producer.errorNext(new TimeoutException("Expiring 1 record(s): 30000 ms has passed"));
            producer.errorNext(new TimeoutException("Expiring 1 record(s): 30000 ms has passed"));

            await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 3);
            assertThat(json(producer.history().get(2).value()).get("type").asText()).isEqualTo("connected");
            assertThat(producer.completeNext()).isTrue();
            assertThat(metrics.meter("kafka.session-events.retried").getCount()).isEqualTo(1);
            assertThat(metrics.meter("kafka.session-events.failed").getCount()).as("the heartbeat").isEqualTo(1);
            assertThat(metrics.meter("kafka.session-events.published").getCount()).isEqualTo(1);
        }
    }

    private KafkaSessionEventPublisher publisher(long heartbeatIntervalMs) {
        return KafkaSessionEventPublisher.create(bootstrap, new ProducerSettings(),
                new SessionEventsConfig().setTopic(topic).setHeartbeatIntervalMs(heartbeatIntervalMs), "node-a",
                new MetricRegistry());
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
