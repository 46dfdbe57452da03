package io.mqttbridge.api.e2e;

import static io.mqttbridge.api.testing.FreshBridgeApp.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.health.HealthCheck;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import io.mqttbridge.testing.os.SmallDisk;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A nearly full disk on the whole application: the data directory (the embedded Kafka's log) is a
 * tmpfs of its own; a ballast file leaves less than {@code diskGuard.minFreeBytes} free. The bridge
 * stays up and says why in its health check; an MQTT 5 publisher gets PUBACK 0x97, an MQTT 3.1.1
 * publisher's connection is closed, and neither message reaches a subscriber or Kafka. With the ballast
 * gone it accepts again by itself, and the 3.1.1 client's resend is stored and delivered once.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class DiskGuardEndToEndTest {

    private static final long MIB = 1024 * 1024;

    private static SmallDisk disk;
    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-disk-guard-config.yml", "bridge_disk")
            .preparingDataDirectory(directory -> disk = SmallDisk.mount(directory, 512));
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();

    @AfterAll
    static void cleanUp() {
        // Stopped here (the extension's own stop comes after this method, and then does nothing), because
        // Kafka must not lose its log directory while it runs: it would halt this JVM.
        APP.after();
        BRIDGE.dropDatabase();
        if (disk != null) {
            disk.close();
        }
    }

    private static HealthCheck.Result diskHealth() {
        return APP.getEnvironment().healthChecks().runHealthCheck("disk-space");
    }

    @Test
    void aNearlyFullDiskRefusesNewMessagesKeepsTheBridgeUpAndLosesNothingOnceFreed() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> diskHealth().isHealthy());
        assertThat(disk.usableBytes()).isGreaterThan(128 * MIB);
        int mqttPort = (Integer) api(APP, "/api/v1/live/broker").get(Map.class).get("port");

        List<String> received = new CopyOnWriteArrayList<>();
        Mqtt5AsyncClient subscriber = MqttClient.builder().useMqttVersion5().identifier("disk-sub")
                .serverHost("127.0.0.1").serverPort(mqttPort).buildAsync();
        subscriber.connect().join();
        subscriber.subscribeWith().topicFilter("disk/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(publish -> received.add(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                .send().join();
        Mqtt5BlockingClient publisher5 = MqttClient.builder().useMqttVersion5().identifier("disk-pub5")
                .serverHost("127.0.0.1").serverPort(mqttPort).buildBlocking();
        publisher5.connect();
        AtomicInteger lost311 = new AtomicInteger();
        MqttAsyncClient publisher311 = new MqttAsyncClient("tcp://127.0.0.1:" + mqttPort, "disk-pub311",
                new MemoryPersistence());
        publisher311.setCallback(new CountingLosses(lost311));
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setAutomaticReconnect(true);
        options.setMaxReconnectDelay(1000);
        publisher311.connect(options).waitForCompletion(10_000);
        try {
            publish5(publisher5, "before");
            await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("before"));

            disk.fillUntilFree(32 * MIB);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                HealthCheck.Result health = diskHealth();
                assertThat(health.isHealthy()).isFalse();
                assertThat(health.getMessage()).startsWith("refusing new messages").contains("diskGuard.minFreeBytes");
            });
            Response overall = api(APP, "/api/v1/health").get();
            assertThat(overall.getStatus()).isEqualTo(503);
            assertThat(overall.readEntity(String.class)).contains("disk-space").contains("refusing new messages");

            Mqtt5PubAckException refused = catchThrowableOfType(() -> publish5(publisher5, "refused5"),
                    Mqtt5PubAckException.class);
            assertThat(refused).as("MQTT 5: told it was not taken").isNotNull();
            assertThat(refused.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            assertThat(refused.getMqttMessage().getReasonString()).hasValueSatisfying(reason ->
                    assertThat(reason.toString()).contains("storage is nearly full"));

            IMqttDeliveryToken resent = publisher311.publish("disk/b", message("resent311"));
            await("MQTT 3.1.1: the connection closed, so that the client sends it again").atMost(Duration.ofSeconds(10))
                    .until(() -> lost311.get() > 0);
            // Paho fails the token but keeps the message of its persistent session, to send it again (DUP).
            int resentId = resent.getMessageId();
            assertThat(pending(publisher311, resentId)).isTrue();
            assertThat(received).as("refused messages reach no subscriber").containsExactly("before");

            disk.freeBallast();
            await().atMost(Duration.ofSeconds(10)).until(() -> diskHealth().isHealthy());
            publish5(publisher5, "after5");
            await("the 3.1.1 client's own resend acknowledged").atMost(Duration.ofSeconds(60))
                    .until(() -> !pending(publisher311, resentId));

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(received).containsExactlyInAnyOrder("before", "after5", "resent311"));
            await("every taken message in the history, through Kafka, and nothing refused")
                    .atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                            assertThat(historyPayloads()).containsExactlyInAnyOrder("before", "after5", "resent311"));
            assertThat(APP.getEnvironment().metrics().meter("disk-guard.messages.refused").getCount())
                    .isGreaterThanOrEqualTo(2);
        } finally {
            publisher311.disconnectForcibly(1000, 1000);
            publisher311.close();
            publisher5.disconnect();
            subscriber.disconnect().join();
        }
    }

    private static void publish5(Mqtt5BlockingClient client, String payload) {
        client.publishWith().topic("disk/a").qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
    }

    private static boolean pending(MqttAsyncClient client, int messageId) {
        for (IMqttDeliveryToken token : client.getPendingDeliveryTokens()) {
            if (token.getMessageId() == messageId) {
                return true;
            }
        }
        return false;
    }

    private static MqttMessage message(String payload) {
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        return message;
    }

    @SuppressWarnings("unchecked")
    private static List<String> historyPayloads() {
        Map<String, Object> page = api(APP, "/api/v1/messages?topic=disk/%23&limit=100").get(Map.class);
        return ((List<Map<String, Object>>) page.get("items")).stream().map(item -> (String) item.get("payload")).toList();
    }

    /** Counts connection losses; Paho reconnects by itself. */
    private record CountingLosses(AtomicInteger losses) implements MqttCallbackExtended {
        @Override
        public void connectionLost(Throwable cause) {
            losses.incrementAndGet();
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }
}
