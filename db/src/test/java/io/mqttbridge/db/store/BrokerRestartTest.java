package io.mqttbridge.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.testing.mqtt.PahoV3Collector;
import io.mqttbridge.testing.mqtt.PahoV5Collector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A broker on the PostgreSQL stores is stopped and a new broker (with new store instances, as after a
 * process restart) is started on the same database: persistent sessions and retained messages are
 * still there.
 */
class BrokerRestartTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private StoreBackedBroker node;
    private final List<AutoCloseable> clients = new ArrayList<>();

    record Received(String topic, String payload, int qos, boolean retained) {
    }

    @BeforeEach
    void start() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE broker_session_state, broker_session_messages, retained_messages"));
        node = new StoreBackedBroker(db.jdbi(), JdbiSessionStore.DEFAULT_PAGE_SIZE, config -> { });
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable client : clients) {
            client.close();
        }
        node.close();
    }

    private void restart() {
        restart(JdbiSessionStore.DEFAULT_PAGE_SIZE);
    }

    private void restart(int pageSize) {
        node.close();
        node = new StoreBackedBroker(db.jdbi(), pageSize, config -> { });
    }

    private MqttClient v3(String clientId, boolean cleanSession, List<Received> sink) throws MqttException {
        MqttClient client = unconnectedV3(clientId, sink);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(cleanSession);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        client.connect(options);
        return client;
    }

    private MqttClient unconnectedV3(String clientId, List<Received> sink) throws MqttException {
        MqttClient client = new MqttClient(node.uri(), clientId, new MemoryPersistence());
        clients.add(() -> {
            if (client.isConnected()) {
                client.disconnectForcibly(100, 100);
            }
            client.close(true);
        });
        client.setCallback(new PahoV3Collector((topic, message) -> sink.add(new Received(topic,
                new String(message.getPayload(), StandardCharsets.UTF_8), message.getQos(), message.isRetained()))));
        return client;
    }

    @Test
    void persistentSessionsQueuedMessagesAndRetainedMessagesSurviveABrokerRestart() throws Exception {
        MqttClient persistent = v3("persistent-1", false, new CopyOnWriteArrayList<>());
        persistent.subscribe("sensors/+/temp", 1);
        persistent.disconnect();

        MqttClient publisher = v3("publisher", true, new CopyOnWriteArrayList<>());
        for (int i = 1; i <= 3; i++) {
            publisher.publish("sensors/s" + i + "/temp", ("t" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        publisher.publish("sensors/s1/humidity", "not subscribed".getBytes(StandardCharsets.UTF_8), 1, false);
        publisher.publish("config/interval", "30s".getBytes(StandardCharsets.UTF_8), 1, true);
        publisher.disconnect();

        restart();

        List<Received> queued = new CopyOnWriteArrayList<>();
        MqttClient resumed = unconnectedV3("persistent-1", queued);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        assertThat(resumed.connectWithResult(options).getSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> queued.size() >= 3);
        assertThat(queued).containsExactly(
                new Received("sensors/s1/temp", "t1", 1, false),
                new Received("sensors/s2/temp", "t2", 1, false),
                new Received("sensors/s3/temp", "t3", 1, false));

        List<Received> fresh = new CopyOnWriteArrayList<>();
        v3("newcomer", true, fresh).subscribe("config/#", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !fresh.isEmpty());
        assertThat(fresh).containsExactly(new Received("config/interval", "30s", 1, true));

        // The subscription itself was restored: a message published after the restart reaches the session.
        v3("publisher-2", true, new CopyOnWriteArrayList<>())
                .publish("sensors/s9/temp", "t9".getBytes(StandardCharsets.UTF_8), 1, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> queued.size() >= 4);
        assertThat(queued.get(3)).isEqualTo(new Received("sensors/s9/temp", "t9", 1, false));
    }

    @Test
    void messagesQueuedForManyOfflineSessionsHoldOneCopyEachAfterARestartAsBefore() throws Exception {
        int sessions = 21;
        int messages = 5;
        int size = 64_000;
        for (int i = 0; i < sessions; i++) {
            MqttClient device = v3("fleet-" + i, false, new CopyOnWriteArrayList<>());
            device.subscribe("fleet/#", 1);
            device.disconnect();
        }
        List<byte[]> payloads = new ArrayList<>();
        MqttClient operator = v3("operator", true, new CopyOnWriteArrayList<>());
        Random random = new Random(7);
        for (int i = 0; i < messages; i++) {
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            payloads.add(payload);
            operator.publish("fleet/cmd", payload, 1, false);
        }
        operator.disconnect();
        long oneCopyEach = (long) messages * size;
        assertThat(node.queuedBytes()).isBetween(oneCopyEach, 2 * oneCopyEach);

        restart(7); // three pages of sessions, restored one after the other

        // A copy per session would be 21 times as much: more than the heap that held them, for a large fleet.
        assertThat(node.queuedBytes()).isBetween(oneCopyEach, 2 * oneCopyEach);
        for (int i = 0; i < sessions; i++) {
            List<byte[]> received = new CopyOnWriteArrayList<>();
            MqttClient device = new MqttClient(node.uri(), "fleet-" + i, new MemoryPersistence());
            device.setCallback(new PahoV3Collector((topic, message) -> received.add(message.getPayload())));
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(false);
            assertThat(device.connectWithResult(options).getSessionPresent()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= messages);
            device.disconnect();
            device.close();
            assertThat(received).as("fleet-" + i).containsExactlyElementsOf(payloads);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> node.queuedBytes() == 0);
    }

    @Test
    void mqtt5PropertiesOfQueuedAndRetainedMessagesSurviveABrokerRestart() throws Exception {
        MqttConnectionOptions persistentOptions = new MqttConnectionOptions();
        persistentOptions.setCleanStart(false);
        persistentOptions.setSessionExpiryInterval(3600L);
        org.eclipse.paho.mqttv5.client.MqttClient persistent = v5("persistent-5", persistentOptions,
                new CopyOnWriteArrayList<>());
        persistent.subscribe("cmd/#", 1);
        persistent.disconnect();

        org.eclipse.paho.mqttv5.client.MqttClient publisher = v5("publisher-5", new MqttConnectionOptions(),
                new CopyOnWriteArrayList<>());
        publisher.publish("cmd/reboot", message(new byte[] {0, (byte) 0xFF, 7}, false));
        publisher.publish("state/fw", message("1.2.3".getBytes(StandardCharsets.UTF_8), true));
        publisher.disconnect();

        restart();

        List<org.eclipse.paho.mqttv5.common.MqttMessage> queued = new CopyOnWriteArrayList<>();
        MqttConnectionOptions resumeOptions = new MqttConnectionOptions();
        resumeOptions.setCleanStart(false);
        resumeOptions.setSessionExpiryInterval(3600L);
        org.eclipse.paho.mqttv5.client.MqttClient resumed = v5("persistent-5", resumeOptions, queued);
        assertThat(resumed.isConnected()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !queued.isEmpty());
        assertThat(queued).singleElement().satisfies(m -> {
            assertThat(m.getPayload()).containsExactly(0, 0xFF, 7);
            assertMqtt5Properties(m.getProperties());
        });

        List<org.eclipse.paho.mqttv5.common.MqttMessage> retained = new CopyOnWriteArrayList<>();
        v5("newcomer-5", new MqttConnectionOptions(), retained).subscribe("state/+", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !retained.isEmpty());
        assertThat(retained).singleElement().satisfies(m -> {
            assertThat(m.isRetained()).isTrue();
            assertThat(new String(m.getPayload(), StandardCharsets.UTF_8)).isEqualTo("1.2.3");
            assertMqtt5Properties(m.getProperties());
        });
    }

    private static org.eclipse.paho.mqttv5.common.MqttMessage message(byte[] payload, boolean retained) {
        org.eclipse.paho.mqttv5.common.MqttMessage message = new org.eclipse.paho.mqttv5.common.MqttMessage(payload);
        message.setQos(1);
        message.setRetained(retained);
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/octet-stream");
        properties.setResponseTopic("replies/device-1");
        properties.setCorrelationData(new byte[] {9, 8, 7});
        properties.setUserProperties(List.of(new UserProperty("origin", "test"), new UserProperty("origin", "again")));
        message.setProperties(properties);
        return message;
    }

    private static void assertMqtt5Properties(MqttProperties properties) {
        assertThat(properties.getContentType()).isEqualTo("application/octet-stream");
        assertThat(properties.getResponseTopic()).isEqualTo("replies/device-1");
        assertThat(properties.getCorrelationData()).containsExactly(9, 8, 7);
        assertThat(properties.getUserProperties()).extracting(UserProperty::getKey, UserProperty::getValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("origin", "test"),
                        org.assertj.core.groups.Tuple.tuple("origin", "again"));
    }

    private org.eclipse.paho.mqttv5.client.MqttClient v5(String clientId, MqttConnectionOptions options,
            List<org.eclipse.paho.mqttv5.common.MqttMessage> sink) throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient client = new org.eclipse.paho.mqttv5.client.MqttClient(
                node.uri(), clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        clients.add(() -> {
            if (client.isConnected()) {
                client.disconnectForcibly(100, 100);
            }
            client.close(true);
        });
        client.setCallback(new PahoV5Collector((topic, message) -> sink.add(message)));
        client.connect(options);
        return client;
    }
}
