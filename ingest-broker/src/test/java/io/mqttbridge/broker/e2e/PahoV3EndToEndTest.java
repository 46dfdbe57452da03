package io.mqttbridge.broker.e2e;

import io.mqttbridge.testing.mqtt.PahoV3Collector;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class PahoV3EndToEndTest {

    private TestBroker broker;
    private final List<MqttClient> clients = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        broker = TestBroker.start();
    }

    @AfterEach
    void stop() {
        for (MqttClient client : clients) {
            try {
                if (client.isConnected()) {
                    client.disconnectForcibly(100, 100);
                }
                client.close(true);
            } catch (MqttException ignored) {
                // best effort
            }
        }
        broker.close();
    }

    record Received(String topic, String payload, int qos, boolean retained, boolean dup) {
    }

    private MqttClient client(String id, boolean clean, List<Received> sink) throws MqttException {
        MqttClient client = new MqttClient(broker.tcpUri(), id, new MemoryPersistence());
        clients.add(client);
        client.setCallback(new PahoV3Collector((topic, message) -> sink.add(new Received(topic,
                new String(message.getPayload()), message.getQos(), message.isRetained(), message.isDuplicate()))));
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(clean);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        client.connect(options);
        return client;
    }

    @Test
    void messagesOfEveryQosReachAWildcardSubscriberAtTheMinimumQos() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        MqttClient subscriber = client("sub", true, received);
        subscriber.subscribe("sensors/+/temp", 1);
        MqttClient publisher = client("pub", true, new CopyOnWriteArrayList<>());
        publisher.publish("sensors/a/temp", "q0".getBytes(), 0, false);
        publisher.publish("sensors/b/temp", "q1".getBytes(), 1, false);
        publisher.publish("sensors/c/temp", "q2".getBytes(), 2, false);
        publisher.publish("sensors/c/humidity", "other".getBytes(), 1, false);

        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() >= 3);
        assertThat(received).extracting(Received::payload).containsExactly("q0", "q1", "q2");
        assertThat(received).extracting(Received::qos).containsExactly(0, 1, 1);
    }

    @Test
    void retainedMessageIsDeliveredOnSubscribeReplacedAndClearedByEmptyPayload() throws Exception {
        MqttClient publisher = client("pub", true, new CopyOnWriteArrayList<>());
        publisher.publish("state/door", "open".getBytes(), 1, true);
        publisher.publish("state/door", "closed".getBytes(), 1, true);
        List<Received> first = new CopyOnWriteArrayList<>();
        client("sub1", true, first).subscribe("state/#", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> first.size() == 1);
        assertThat(first.get(0)).isEqualTo(new Received("state/door", "closed", 1, true, false));

        publisher.publish("state/door", new byte[0], 1, true);
        await().atMost(Duration.ofSeconds(5)).until(() -> first.size() == 2);
        List<Received> second = new CopyOnWriteArrayList<>();
        MqttClient late = client("sub2", true, second);
        late.subscribe("state/#", 1);
        publisher.publish("state/marker", "m".getBytes(), 1, false);
        await().atMost(Duration.ofSeconds(5)).until(() -> second.size() == 1);
        assertThat(second.get(0).payload()).isEqualTo("m");
    }

    @Test
    void persistentSessionKeepsSubscriptionAndQueuesMessagesWhileOffline() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        MqttClient subscriber = client("durable", false, received);
        subscriber.subscribe("jobs/#", 2);
        subscriber.disconnect();

        MqttClient publisher = client("pub", true, new CopyOnWriteArrayList<>());
        publisher.publish("jobs/1", "one".getBytes(), 1, false);
        publisher.publish("jobs/2", "two".getBytes(), 2, false);
        publisher.publish("jobs/3", "zero".getBytes(), 0, false);

        MqttClient again = new MqttClient(broker.tcpUri(), "durable", new MemoryPersistence());
        clients.add(again);
        again.setCallback(new PahoV3Collector((topic, message) -> received.add(new Received(topic,
                new String(message.getPayload()), message.getQos(), false, false))));
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        var token = again.connectWithResult(options);
        assertThat(token.getSessionPresent()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() >= 2);
        assertThat(received).extracting(Received::payload).containsExactly("one", "two");
    }

    @Test
    void cleanSessionDiscardsEarlierSubscriptions() throws Exception {
        MqttClient first = client("c1", false, new CopyOnWriteArrayList<>());
        first.subscribe("x/#", 1);
        first.disconnect();
        List<Received> received = new CopyOnWriteArrayList<>();
        client("c1", true, received);
        assertThat(broker.broker.subscriptionsOf("c1")).isEmpty();
    }

    @Test
    void secondConnectionWithSameClientIdTakesOverTheFirst() throws Exception {
        MqttClient first = client("same", true, new CopyOnWriteArrayList<>());
        MqttClient second = client("same", true, new CopyOnWriteArrayList<>());
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.isConnected());
        assertThat(second.isConnected()).isTrue();
        assertThat(broker.broker.connectedClients()).hasSize(1);
    }

    @Test
    void subscriptionToForbiddenTopicIsNotPossibleWithInvalidFilter() throws Exception {
        MqttClient client = client("bad", true, new CopyOnWriteArrayList<>());
        assertThatThrownBy(() -> client.subscribe("a/#/b", 1)).isInstanceOf(Exception.class);
    }
}
