package io.mqttbridge.api.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.api.testing.BridgeNode;
import io.mqttbridge.testing.postgres.TestPostgres;
import io.mqttbridge.testing.kafka.TestKafka;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Persistent sessions survive {@code kill -9} of the node that holds them: the bridge runs as a
 * separate process ({@link BridgeNode}) on this JVM's Kafka and PostgreSQL, is killed with SIGKILL
 * after its publishers were acknowledged, restarted on the same data, and the offline subscribers
 * get every message when they come back (QoS 2: exactly once).
 */
class PersistentSessionCrashTest {

    private String databaseName;
    private BridgeNode node;
    private String mirrorTopic;

    @BeforeEach
    void startNode() {
        databaseName = TestPostgres.shared().createDatabase("crash");
        node = BridgeNode.builder("crash-node", TestKafka.newTemporaryDirectory("bridge-node-"))
                .kafka(TestKafka.bootstrapServers())
                .database(TestPostgres.shared().jdbcUrl(databaseName), TestPostgres.shared().user(),
                        TestPostgres.shared().password())
                .mirrorTopic(mirrorTopic = "crash." + UUID.randomUUID())
                .build();
        node.start();
    }

    @AfterEach
    void stopNode() {
        node.close();
        TestPostgres.shared().dropDatabase(databaseName);
        TestKafka.deleteRecursively(node.dataDirectory());
    }

    private MqttClient connect(String clientId, boolean cleanSession) throws MqttException {
        MqttClient client = new MqttClient(node.mqttUri(), clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setAutomaticReconnect(false);
        options.setMaxInflight(1000);
        client.connect(options);
        return client;
    }

    /** Publishes {@code count} messages and returns once each is acknowledged (PUBACK / PUBCOMP). */
    private void publishAcknowledged(String topic, int count, int qos) throws MqttException {
        MqttClient publisher = connect("publisher-" + UUID.randomUUID(), true);
        try {
            for (int i = 0; i < count; i++) {
                // MqttClient.publish blocks until the QoS 1/2 flow is complete.
                publisher.publish(topic, ("m" + i).getBytes(StandardCharsets.UTF_8), qos, false);
            }
        } finally {
            publisher.disconnect();
            publisher.close();
        }
    }

    private static List<String> expected(int count) {
        return IntStream.range(0, count).mapToObj(i -> "m" + i).toList();
    }

    @Test
    void offlineQos1SubscriberGetsEveryAcknowledgedMessageAfterKillMinus9AndRestart() throws Exception {
        MqttClient subscriber = connect("offline-qos1", false);
        subscriber.subscribe("crash/qos1/#", 1);
        subscriber.disconnect();
        subscriber.close();

        publishAcknowledged("crash/qos1/data", 200, 1);
        node.kill();
        node.start();

        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient resumed = new MqttClient(node.mqttUri(), "offline-qos1", new MemoryPersistence());
        resumed.setCallback(new Collecting(received));
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setMaxInflight(1000);
        resumed.connect(options);
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(received).containsAll(expected(200)));
        } finally {
            resumed.disconnect();
            resumed.close();
        }
    }

    @Test
    void queuedQos2MessagesAreDeliveredExactlyOnceAfterKillMinus9AndRestart() throws Exception {
        MqttClient subscriber = connect("offline-qos2", false);
        subscriber.subscribe("crash/qos2/#", 2);
        subscriber.disconnect();
        subscriber.close();

        publishAcknowledged("crash/qos2/data", 100, 2);
        node.kill();
        node.start();

        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient resumed = new MqttClient(node.mqttUri(), "offline-qos2", new MemoryPersistence());
        resumed.setCallback(new Collecting(received));
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setMaxInflight(1000);
        resumed.connect(options);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 100);
            // A marker published now arrives after every earlier delivery of this session, duplicates included.
            publishAcknowledged("crash/qos2/marker", 1, 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.contains("m0@marker"));
            assertThat(received.get(received.size() - 1)).isEqualTo("m0@marker");
            assertThat(received.subList(0, received.size() - 1)).containsExactlyInAnyOrderElementsOf(expected(100));
        } finally {
            resumed.disconnect();
            resumed.close();
        }
    }

    @Test
    void aQos2PublishRetransmittedAfterKillMinus9IsAnsweredWithPubrecAndIsInKafkaAndDeliveredOnce() throws Exception {
        MqttClient subscriber = connect("offline-dup", false);
        subscriber.subscribe("crash/dup/#", 2);
        subscriber.disconnect();
        subscriber.close();
        String payload = "once-" + UUID.randomUUID();

        try (RawMqttClient publisher = new RawMqttClient(node.mqttPort())) {
            publisher.send(RawMqttClient.connect(4, "raw-publisher", false, 60));
            assertThat(publisher.read().type()).isEqualTo(2);
            publisher.send(RawMqttClient.publish(2, "crash/dup/x", 7, payload, false));
            assertThat(publisher.read().type()).as("PUBREC: stored").isEqualTo(5);
        }
        node.kill();
        node.start();

        try (RawMqttClient publisher = new RawMqttClient(node.mqttPort())) {
            publisher.send(RawMqttClient.connect(4, "raw-publisher", false, 60));
            assertThat(publisher.read().type()).isEqualTo(2);
            // The client never saw PUBCOMP: it retransmits the PUBLISH with DUP [MQTT-4.4.0-1].
            byte[] retransmission = RawMqttClient.publish(2, "crash/dup/x", 7, payload, false);
            retransmission[0] |= 0x08;
            publisher.send(retransmission);
            assertThat(publisher.read().type()).as("PUBREC for the retransmission").isEqualTo(5);
            publisher.pubrel(7);
            assertThat(publisher.read().type()).as("PUBCOMP").isEqualTo(7);
        }

        List<String> received = new CopyOnWriteArrayList<>();
        MqttClient resumed = new MqttClient(node.mqttUri(), "offline-dup", new MemoryPersistence());
        resumed.setCallback(new Collecting(received));
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        resumed.connect(options);
        try {
            // A marker published now arrives after every earlier delivery of this session, duplicates included.
            publishAcknowledged("crash/dup/marker", 1, 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.contains("m0@marker"));
            assertThat(received).containsExactly(payload, "m0@marker");
        } finally {
            resumed.disconnect();
            resumed.close();
        }
        // The marker was acknowledged after the retransmission, so Kafka has every record of it by now.
        assertThat(mirroredPayloads()).filteredOn(payload::equals).hasSize(1);
    }

    /** The payloads of every record in the mirror topic, read from the start to the end offsets. */
    private List<String> mirroredPayloads() {
        java.util.Properties properties = new java.util.Properties();
        properties.put("bootstrap.servers", TestKafka.bootstrapServers());
        properties.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        properties.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        List<String> payloads = new java.util.ArrayList<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                     new org.apache.kafka.clients.consumer.KafkaConsumer<>(properties)) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(mirrorTopic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            java.util.Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("mirror topic read within 30 s").isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(r -> payloads.add(new String(r.value(), StandardCharsets.UTF_8)));
            }
        }
        return payloads;
    }

    /** Records each message's payload (the marker's as {@code m0@marker}). */
    private record Collecting(List<String> received) implements org.eclipse.paho.client.mqttv3.MqttCallback {
        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
            String payload = new String(message.getPayload(), StandardCharsets.UTF_8);
            received.add(topic.endsWith("/marker") ? payload + "@marker" : payload);
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
        }
    }
}
