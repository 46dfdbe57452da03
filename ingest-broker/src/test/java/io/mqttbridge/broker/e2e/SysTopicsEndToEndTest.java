package io.mqttbridge.broker.e2e;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.mqttbridge.broker.spi.PublishedMessage;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The {@code $SYS} statistics through real clients (HiveMQ client for MQTT 5, Paho for 3.1.1): they
 * are retained and follow the broker, wildcards at the first level do not see them, and nobody but
 * the broker can write there.
 */
class SysTopicsEndToEndTest {

    private static final String CONNECTED = "$SYS/broker/clients/connected";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void theStatisticsAreRetainedAndFollowTheConnectedClients() {
        try (TestBroker broker = TestBroker.start(c -> c.setSysIntervalSeconds(1))) {
            Mqtt5BlockingClient watcher = client(broker, "watcher");
            List<Mqtt5Publish> received = subscribe(watcher, "$SYS/#");

            // Subscribed after the first sample: the values reach it as retained messages at once.
            await().atMost(WAIT).until(() -> latest(received, "$SYS/broker/version") != null);
            assertThat(text(latest(received, "$SYS/broker/version"))).startsWith("mqtt-kafka-bridge version ");
            assertThat(latest(received, "$SYS/broker/version").isRetain()).isTrue();
            await().atMost(WAIT).until(() -> "1".equals(text(latest(received, CONNECTED))));

            Mqtt5BlockingClient second = client(broker, "second");
            Mqtt5BlockingClient third = client(broker, "third");
            await().atMost(WAIT).until(() -> "3".equals(text(latest(received, CONNECTED))));
            assertThat(text(latest(received, "$SYS/broker/clients/maximum"))).isEqualTo("3");
            second.disconnect();
            third.disconnect();
            await().atMost(WAIT).until(() -> "1".equals(text(latest(received, CONNECTED))));
            assertThat(text(latest(received, "$SYS/broker/clients/maximum"))).isEqualTo("3");
            assertThat(text(latest(received, "$SYS/broker/subscriptions/count"))).isEqualTo("1");
            assertThat(text(latest(received, "$SYS/broker/load/connections/1min"))).matches("\\d+\\.\\d\\d");

            // A later subscriber gets the current value as a retained message, not the first sample's.
            Mqtt5BlockingClient late = client(broker, "late");
            List<Mqtt5Publish> lateReceived = subscribe(late, CONNECTED);
            await().atMost(WAIT).until(() -> !lateReceived.isEmpty());
            assertThat(lateReceived.get(0).isRetain()).isTrue();
            assertThat(Integer.parseInt(text(lateReceived.get(0)))).isBetween(1, 2);
            late.disconnect();
            watcher.disconnect();
        }
    }

    @Test
    void aWildcardAtTheFirstLevelDoesNotReceiveTheStatistics() {
        try (TestBroker broker = TestBroker.start(c -> c.setSysIntervalSeconds(1))) {
            Mqtt5BlockingClient everything = client(broker, "everything");
            List<Mqtt5Publish> all = subscribe(everything, "#");
            List<Mqtt5Publish> plus = subscribe(everything, "+/broker/#");
            Mqtt5BlockingClient watcher = client(broker, "watcher");
            List<Mqtt5Publish> sys = subscribe(watcher, "$SYS/broker/uptime");

            // Two uptime changes published after both subscriptions stood, then a marker.
            await().atMost(WAIT).until(() -> sys.size() >= 3);
            watcher.publishWith().topic("marker").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();

            await().atMost(WAIT).until(() -> !all.isEmpty());
            assertThat(all).extracting(p -> p.getTopic().toString()).containsExactly("marker");
            assertThat(plus).isEmpty();
            everything.disconnect();
            watcher.disconnect();
        }
    }

    @Test
    void anMqtt5ClientCannotPublishIntoSysOrLeaveAWillThere() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.setSysIntervalSeconds(1))) {
            Mqtt5BlockingClient watcher = client(broker, "watcher");
            List<Mqtt5Publish> received = watchClients(watcher);

            Mqtt5BlockingClient liar = client(broker, "liar");
            assertThatThrownBy(() -> liar.publishWith().topic(CONNECTED).retain(true).qos(MqttQos.AT_LEAST_ONCE)
                    .payload("999".getBytes(StandardCharsets.UTF_8)).send())
                    .isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                            .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
            assertThatThrownBy(() -> MqttClient.builder().useMqttVersion5().identifier("will").serverHost("127.0.0.1")
                    .serverPort(broker.port()).buildBlocking().connectWith().willPublish().topic("$SYS/broker/alarm")
                    .payload(new byte[] {1}).applyWillPublish().send())
                    .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                            .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));

            // The next genuine sample (2 clients) arrives and the lie never did, live or retained.
            await().atMost(WAIT).until(() -> "2".equals(text(latest(received, CONNECTED))));
            assertThat(received).extracting(SysTopicsEndToEndTest::text).doesNotContain("999");
            Mqtt5BlockingClient late = client(broker, "late");
            List<Mqtt5Publish> retained = subscribe(late, CONNECTED);
            await().atMost(WAIT).until(() -> !retained.isEmpty());
            assertThat(text(retained.get(0))).isNotEqualTo("999");
            liar.disconnect();
            late.disconnect();
            watcher.disconnect();
        }
    }

    @Test
    void anMqtt311PublishIntoSysIsAcknowledgedAndDropped() throws Exception {
        try (TestBroker broker = TestBroker.start(c -> c.setSysIntervalSeconds(1))) {
            Mqtt5BlockingClient watcher = client(broker, "watcher");
            List<Mqtt5Publish> received = watchClients(watcher);

            org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
                    broker.tcpUri(), "paho-liar", new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            paho.connect(options);
            paho.publish(CONNECTED, "999".getBytes(StandardCharsets.UTF_8), 1, true);

            await().atMost(WAIT).until(() -> "2".equals(text(latest(received, CONNECTED))));
            assertThat(received).extracting(SysTopicsEndToEndTest::text).doesNotContain("999");
            assertThat(paho.isConnected()).isTrue();
            paho.disconnect();
            paho.close();
            watcher.disconnect();
        }
    }

    @Test
    void theDownlinkCannotPublishIntoSys() {
        try (TestBroker broker = TestBroker.start()) {
            PublishedMessage fake = new PublishedMessage(CONNECTED, "999".getBytes(StandardCharsets.UTF_8), 0, true,
                    null, null, null, Instant.now(), null);
            assertThat(broker.broker.publish(fake)).failsWithin(WAIT).withThrowableThat()
                    .havingRootCause().isInstanceOf(IllegalArgumentException.class).withMessageContaining("$SYS");
        }
    }

    @Test
    void anIntervalOfZeroPublishesNoStatistics() {
        try (TestBroker broker = TestBroker.start(c -> c.setSysIntervalSeconds(0))) {
            Mqtt5BlockingClient watcher = client(broker, "watcher");
            List<Mqtt5Publish> sys = subscribe(watcher, "$SYS/#");
            List<Mqtt5Publish> marker = subscribe(watcher, "marker");
            watcher.publishWith().topic("marker").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            await().atMost(WAIT).until(() -> !marker.isEmpty());
            assertThat(sys).isEmpty();
            watcher.disconnect();
        }
    }

    private static Mqtt5BlockingClient client(TestBroker broker, String clientId) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        client.connect();
        return client;
    }

    /** Subscribes to the client figures and returns once they show the watcher alone connected. */
    private static List<Mqtt5Publish> watchClients(Mqtt5BlockingClient watcher) {
        List<Mqtt5Publish> received = subscribe(watcher, "$SYS/broker/clients/#");
        await().atMost(WAIT).until(() -> "1".equals(text(latest(received, CONNECTED))));
        return received;
    }

    /** Subscribes and collects what arrives through this filter only. */
    private static List<Mqtt5Publish> subscribe(Mqtt5BlockingClient client, String filter) {
        List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();
        client.toAsync().subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE)
                .callback(received::add).send().join();
        return received;
    }

    private static Mqtt5Publish latest(List<Mqtt5Publish> received, String topic) {
        Mqtt5Publish latest = null;
        for (Mqtt5Publish publish : received) {
            if (publish.getTopic().toString().equals(topic)) {
                latest = publish;
            }
        }
        return latest;
    }

    private static String text(Mqtt5Publish publish) {
        return publish == null ? null : new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }
}
