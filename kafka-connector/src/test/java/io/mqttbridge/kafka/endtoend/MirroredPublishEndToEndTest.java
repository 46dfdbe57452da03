package io.mqttbridge.kafka.endtoend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.mqttbridge.kafka.mirror.KeyStrategy;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.MirroredBroker;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real MQTT clients (Paho 3.1.1 and 5, HiveMQ) publish over TCP to the real broker, which mirrors
 * into the shared test Kafka through {@link io.mqttbridge.kafka.mirror.KafkaPublishSink}.
 */
class MirroredPublishEndToEndTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrap = TestKafka.bootstrapServers();
    private final String prefix = KafkaTestClients.uniqueTopic("e2e");
    private MirroredBroker bridge;

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
    }

    @Test
    void mqtt5PublishArrivesInTheFirstMatchingRulesTopicWithPayloadKeyTimestampAndEveryHeader() throws Exception {
        bridge = MirroredBroker.start(bootstrap, rules(), new ProducerSettings());
        org.eclipse.paho.mqttv5.client.MqttClient client = new org.eclipse.paho.mqttv5.client.MqttClient(
                bridge.serverUri(), "dev-5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName("alice");
        client.connect(options);
        MqttMessage message = new MqttMessage(new byte[] {0, 1, (byte) 0xFE, (byte) 0xFF});
        message.setQos(1);
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/x-thing");
        properties.setPayloadFormat(true);
        properties.setResponseTopic("replies/dev-5");
        properties.setCorrelationData(new byte[] {9, 8, 7, (byte) 0x80});
        properties.setMessageExpiryInterval(3600L);
        properties.setUserProperties(List.of(new UserProperty("site", "north"), new UserProperty("site", "south"),
                new UserProperty("unit", "°C")));
        message.setProperties(properties);
        Instant before = Instant.now();

        client.publish("devices/dev-5/telemetry/temp", message);
        Instant acked = Instant.now();
        client.disconnect();
        client.close();

        ConsumerRecord<byte[], byte[]> record = single(prefix + ".tel.dev-5");
        assertThat(record.value()).containsExactly(0, 1, 0xFE, 0xFF);
        assertThat(new String(record.key(), UTF_8)).isEqualTo("dev-5");
        assertThat(record.timestamp()).isBetween(before.toEpochMilli() - 1, acked.toEpochMilli());
        assertThat(headers(record)).containsExactly(
                "mqtt.topic=devices/dev-5/telemetry/temp",
                "mqtt.qos=1",
                "mqtt.retain=false",
                "mqtt.client_id=dev-5",
                "mqtt.username=alice",
                "mqtt.protocol_version=5",
                "mqtt.content_type=application/x-thing",
                "mqtt.payload_format=1",
                "mqtt.response_topic=replies/dev-5",
                "mqtt.correlation_data=" + new String(new byte[] {9, 8, 7, (byte) 0x80}, UTF_8),
                "mqtt.message_expiry=3600",
                "mqtt.user.site=north",
                "mqtt.user.site=south",
                "mqtt.user.unit=°C",
                "mqtt.node=" + MirroredBroker.NODE_ID);
        assertThat(record.headers().lastHeader("mqtt.correlation_data").value()).containsExactly(9, 8, 7, 0x80);
    }

    @Test
    void mqtt311PublishesFollowKeyStrategiesRetainedSettingAndUnmatchedTopicsAreNotMirrored() throws Exception {
        bridge = MirroredBroker.start(bootstrap, rules(), new ProducerSettings());
        org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
                bridge.serverUri(), "dev-3", new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setUserName("bob");
        client.connect(options);

        client.publish("devices/dev-3/telemetry/hum", "55".getBytes(UTF_8), 1, false);
        client.publish("devices/dev-3/state", "retained-online".getBytes(UTF_8), 1, true);
        client.publish("devices/dev-3/state", "online".getBytes(UTF_8), 1, false);
        client.publish("devices/dev-3/other", "rest".getBytes(UTF_8), 0, false);
        client.publish("elsewhere/dev-3", "unmatched".getBytes(UTF_8), 1, false);
        client.disconnect();
        client.close();

        ConsumerRecord<byte[], byte[]> telemetry = single(prefix + ".tel.dev-3");
        assertThat(new String(telemetry.value(), UTF_8)).isEqualTo("55");
        assertThat(new String(telemetry.key(), UTF_8)).as("topic level 2").isEqualTo("dev-3");
        assertThat(headers(telemetry)).containsExactly(
                "mqtt.topic=devices/dev-3/telemetry/hum",
                "mqtt.qos=1",
                "mqtt.retain=false",
                "mqtt.client_id=dev-3",
                "mqtt.username=bob",
                "mqtt.protocol_version=4",
                "mqtt.node=" + MirroredBroker.NODE_ID);

        ConsumerRecord<byte[], byte[]> state = single(prefix + ".state");
        assertThat(new String(state.value(), UTF_8)).as("the retained copy is skipped by its rule").isEqualTo("online");
        assertThat(new String(state.key(), UTF_8)).as("user name key").isEqualTo("bob");

        ConsumerRecord<byte[], byte[]> rest = single(prefix + ".rest");
        assertThat(new String(rest.value(), UTF_8)).isEqualTo("rest");
        assertThat(rest.key()).as("no key").isNull();
        assertThat(headers(rest)).contains("mqtt.qos=0");

        assertThat(bridge.metrics().meter("kafka.mirror.records.not-mirrored").getCount())
                .as("the retained state and the unmatched topic").isEqualTo(2);
        assertThat(bridge.metrics().meter("kafka.mirror.records.acked").getCount()).isEqualTo(3);
    }

    @Test
    void whenAPubackArrivesItsRecordIsAlreadyInKafka() throws Exception {
        String topic = prefix + ".acked";
        KafkaTestClients.createTopic(bootstrap, topic, 1);
        bridge = MirroredBroker.start(bootstrap, List.of(new MirrorRule("acked/#", topic)), new ProducerSettings());
        org.eclipse.paho.client.mqttv3.MqttClient client = new org.eclipse.paho.client.mqttv3.MqttClient(
                bridge.serverUri(), "acked-dev", new MemoryPersistence());
        client.connect();
        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaTestClients.consumer(bootstrap)) {
            for (int i = 1; i <= 20; i++) {
                client.publish("acked/dev", Integer.toString(i).getBytes(UTF_8), 1, false);
                assertThat(consumer.endOffsets(List.of(partition)).get(partition))
                        .as("readable end of the partition right after PUBACK %d", i).isEqualTo(i);
            }
        }
        client.disconnect();
        client.close();
    }

    @Test
    void eachDevicesQos1MessagesReachKafkaInPublishOrderWhileDevicesPublishConcurrently() throws Exception {
        String topic = prefix + ".fleet";
        KafkaTestClients.createTopic(bootstrap, topic, 3);
        bridge = MirroredBroker.start(bootstrap, List.of(new MirrorRule("fleet/#", topic)), new ProducerSettings());
        int perDevice = 300;
        List<CompletableFuture<?>> acks = new ArrayList<>();
        List<Runnable> disconnects = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            String id = "v5-" + d;
            Mqtt5AsyncClient client = MqttClient.builder().identifier(id).serverHost("127.0.0.1")
                    .serverPort(bridge.port()).useMqttVersion5().buildAsync();
            client.connect().get(10, TimeUnit.SECONDS);
            disconnects.add(() -> client.disconnect().join());
            for (int seq = 0; seq < perDevice; seq++) {
                acks.add(client.publishWith().topic("fleet/" + id).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Integer.toString(seq).getBytes(UTF_8)).send()
                        .thenAccept(MirroredPublishEndToEndTest::assertSucceeded));
            }
        }
        for (int d = 0; d < 3; d++) {
            String id = "v3-" + d;
            Mqtt3AsyncClient client = MqttClient.builder().identifier(id).serverHost("127.0.0.1")
                    .serverPort(bridge.port()).useMqttVersion3().buildAsync();
            client.connect().get(10, TimeUnit.SECONDS);
            disconnects.add(() -> client.disconnect().join());
            for (int seq = 0; seq < perDevice; seq++) {
                acks.add(client.publishWith().topic("fleet/" + id).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Integer.toString(seq).getBytes(UTF_8)).send());
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        disconnects.forEach(Runnable::run);

        List<ConsumerRecord<byte[], byte[]>> records =
                KafkaTestClients.readAll(bootstrap, topic, 6 * perDevice, READ_TIMEOUT);
        Map<String, List<Integer>> sequences = new HashMap<>();
        Map<String, Integer> partitions = new HashMap<>();
        records.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String device = new String(r.key(), UTF_8);
            sequences.computeIfAbsent(device, k -> new ArrayList<>()).add(Integer.parseInt(new String(r.value(), UTF_8)));
            Integer previous = partitions.putIfAbsent(device, r.partition());
            assertThat(previous == null || previous == r.partition()).as("%s stays in one partition", device).isTrue();
        }
        assertThat(sequences).hasSize(6);
        List<Integer> expected = IntStream.range(0, perDevice).boxed().toList();
        sequences.forEach((device, seqs) -> assertThat(seqs).as(device).containsExactlyElementsOf(expected));
    }

    private List<MirrorRule> rules() {
        return List.of(
                new MirrorRule("devices/+/telemetry/#", prefix + ".tel.{2}").setKeyStrategy(KeyStrategy.TOPIC_LEVEL)
                        .setKeyTopicLevel(2),
                new MirrorRule("devices/+/state", prefix + ".state").setKeyStrategy(KeyStrategy.USERNAME)
                        .setMirrorRetained(false),
                new MirrorRule("devices/#", prefix + ".rest").setKeyStrategy(KeyStrategy.NONE));
    }

    private static void assertSucceeded(Mqtt5PublishResult result) {
        assertThat(result.getError()).isEmpty();
    }

    private ConsumerRecord<byte[], byte[]> single(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = KafkaTestClients.readAll(bootstrap, topic, 1, READ_TIMEOUT);
        assertThat(records).as(topic).hasSize(1);
        return records.get(0);
    }

    private static List<String> headers(ConsumerRecord<byte[], byte[]> record) {
        return StreamSupport.stream(record.headers().spliterator(), false)
                .map((Header h) -> h.key() + "=" + new String(h.value(), UTF_8)).toList();
    }
}
