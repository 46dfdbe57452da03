package io.mqttbridge.kafka.endtoend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.PublishSink;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.kafka.downlink.DeadLetters;
import io.mqttbridge.kafka.downlink.DownlinkConfig;
import io.mqttbridge.kafka.downlink.KafkaDownlink;
import io.mqttbridge.kafka.testing.MirroredBroker;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import io.mqttbridge.testing.mqtt.PahoV3Collector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Kafka -> MQTT through the real broker: real subscribers, a real offline persistent session, real commits. */
class DownlinkEndToEndTest {

    private final String bootstrap = TestKafka.bootstrapServers();
    private final String topic = KafkaTestClients.uniqueTopic("e2e-commands");
    private final String groupId = KafkaTestClients.uniqueTopic("e2e-downlink");
    private final TopicPartition partition = new TopicPartition(topic, 0);
    private final MetricRegistry downlinkMetrics = new MetricRegistry();
    private MqttBroker broker;
    private KafkaDownlink downlink;

    @AfterEach
    void stop() {
        if (downlink != null) {
            downlink.close();
        }
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void recordsReachAConnectedSubscriberAndAnOfflinePersistentSessionOnReconnectAfterTheCommit() throws Exception {
        KafkaTestClients.createTopic(bootstrap, topic, 1);
        broker = MirroredBroker.startWithoutMirror(SessionListener.NONE);
        Device online = Device.subscribe(broker.port(), "online-dev", true);
        Device offline = Device.subscribe(broker.port(), "offline-dev", false);
        offline.client.disconnect();
        downlink = KafkaDownlink.create(bootstrap, downlinkConfig(), broker, downlinkMetrics);
        downlink.start();

        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            producer.send(record("online-dev", "open")).get();
            producer.send(record("offline-dev", "close")).get();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> online.received.payloads().contains("open"));
        await("the offset after the queued offline message to be committed").atMost(Duration.ofSeconds(30))
                .until(() -> Long.valueOf(2).equals(committedOffset()));
        assertThat(offline.received.payloads()).isEmpty();

        offline.reconnect();
        await().atMost(Duration.ofSeconds(30)).until(() -> offline.received.payloads().contains("close"));
        assertThat(online.received.payloads()).containsExactly("open");
        online.client.disconnect();
        offline.client.disconnect();
    }

    @Test
    void aCommandForADeviceWithoutAnySessionGoesToTheDeadLetterTopicWithTheReasonAndIsThenCommitted()
            throws Exception {
        KafkaTestClients.createTopic(bootstrap, topic, 1);
        String deadLetterTopic = KafkaTestClients.uniqueTopic("e2e-dead-letters");
        broker = MirroredBroker.startWithoutMirror(SessionListener.NONE);
        downlink = KafkaDownlink.create(bootstrap, downlinkConfig().setDeadLetterTopic(deadLetterTopic), broker,
                downlinkMetrics);
        downlink.start();

        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            producer.send(record("ghost-dev", "wake up")).get();
        }

        List<ConsumerRecord<byte[], byte[]>> letters =
                KafkaTestClients.readAll(bootstrap, deadLetterTopic, 1, Duration.ofSeconds(30));
        assertThat(new String(letters.get(0).value(), UTF_8)).isEqualTo("wake up");
        assertThat(new String(letters.get(0).headers().lastHeader(DeadLetters.REASON_HEADER).value(), UTF_8))
                .isEqualTo(DeadLetters.REASON_NO_MATCHING_SESSION);
        await().atMost(Duration.ofSeconds(30)).until(() -> Long.valueOf(1).equals(committedOffset()));
    }

    @Test
    void nothingIsCommittedWhileTheBrokerCannotTakeTheMessageAndItIsDeliveredOnceItCan() throws Exception {
        KafkaTestClients.createTopic(bootstrap, topic, 1);
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        broker = new MqttBroker(config);
        // Retained, so that a subscriber arriving after the hand-off still gets it.
        downlink = KafkaDownlink.create(bootstrap, downlinkConfig().setRetain(true).setRetryBackoffMs(200), broker,
                downlinkMetrics);
        downlink.start();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            producer.send(record("late-dev", "reboot")).get();
        }

        await("the broker to refuse at least one attempt").atMost(Duration.ofSeconds(30))
                .until(() -> downlinkRetries() > 0);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> committedOffset() == null);

        broker.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Long.valueOf(1).equals(committedOffset()));
        Device late = Device.subscribe(broker.port(), "late-dev", true);
        await().atMost(Duration.ofSeconds(10)).until(() -> late.received.payloads().contains("reboot"));
        late.client.disconnect();
    }

    @Test
    void aCommandConsumedAfterABrokerRestartIsQueuedForTheRestoredOfflineSessionAndCommitted() throws Exception {
        KafkaTestClients.createTopic(bootstrap, topic, 1);
        InMemorySessionStore store = new InMemorySessionStore();
        BrokerConfig config = new BrokerConfig();
        config.setHost("127.0.0.1");
        config.setPort(0);
        broker = brokerWith(config, store);
        Device device = Device.subscribe(broker.port(), "restart-dev", false);
        device.client.disconnect();
        broker.stop();
        assertThat(store.get("restart-dev")).as("the session was saved").isPresent();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            producer.send(record("restart-dev", "after-restart")).get();
        }

        broker = brokerWith(config, store);
        downlink = KafkaDownlink.create(bootstrap, downlinkConfig(), broker, downlinkMetrics);
        downlink.start();

        await().atMost(Duration.ofSeconds(30)).until(() -> Long.valueOf(1).equals(committedOffset()));
        Device again = Device.connect(broker.port(), "restart-dev", false);
        await().atMost(Duration.ofSeconds(10)).until(() -> again.received.payloads().contains("after-restart"));
        again.client.disconnect();
    }

    private static MqttBroker brokerWith(BrokerConfig config, InMemorySessionStore store) {
        MqttBroker broker = new MqttBroker(config, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, PublishSink.NONE,
                SessionListener.NONE, store, new InMemoryRetainedStore(), new MetricRegistry());
        broker.start();
        return broker;
    }

    private long downlinkRetries() {
        return downlinkMetrics.meter("kafka.downlink.records.retried").getCount();
    }

    private DownlinkConfig downlinkConfig() {
        return new DownlinkConfig().setTopics(List.of(topic)).setGroupId(groupId).setMqttTopicTemplate("cmd/{key}")
                .setQos(1);
    }

    private ProducerRecord<byte[], byte[]> record(String key, String value) {
        return new ProducerRecord<>(topic, key.getBytes(UTF_8), value.getBytes(UTF_8));
    }

    /** The downlink group's committed offset of the topic's partition, or {@code null} when none is. */
    private Long committedOffset() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS).get(partition);
            return committed == null ? null : committed.offset();
        }
    }

    /** A Paho 3.1.1 device subscribed to {@code cmd/<its id>} with QoS 1. */
    private static final class Device {

        final PahoV3Collector received = new PahoV3Collector();
        final MqttClient client;
        private final MqttConnectOptions options = new MqttConnectOptions();

        private Device(int port, String id, boolean cleanSession) throws Exception {
            client = new MqttClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
            client.setCallback(received);
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(cleanSession);
        }

        static Device subscribe(int port, String id, boolean cleanSession) throws Exception {
            Device device = connect(port, id, cleanSession);
            device.client.subscribe("cmd/" + id, 1);
            return device;
        }

        static Device connect(int port, String id, boolean cleanSession) throws Exception {
            Device device = new Device(port, id, cleanSession);
            device.client.connect(device.options);
            return device;
        }

        void reconnect() throws Exception {
            client.connect(options);
        }
    }
}
