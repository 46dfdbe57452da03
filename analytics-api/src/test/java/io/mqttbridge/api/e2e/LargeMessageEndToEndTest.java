package io.mqttbridge.api.e2e;

import static io.mqttbridge.api.testing.FreshBridgeApp.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Messages larger than Kafka's default record limit (1 MiB), on a bridge whose
 * {@code broker.maxPacketSize} admits them: acknowledged only once in Kafka, delivered, and in the
 * history, through a mirror topic the bridge creates and one Kafka creates on first use (a template).
 * Before the bridge raised Kafka's limits to the packet size, the MQTT 3.1.1 publisher was
 * disconnected (and would resend the same message forever) and the MQTT 5 one got reason code 0x80.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class LargeMessageEndToEndTest {

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-large-messages-config.yml", "bridge_large");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    @SuppressWarnings("unchecked")
    void messagesOfTwoMegabytesAreAcknowledgedDeliveredAndStoredForBothProtocolVersions() throws Exception {
        int port = (Integer) api(APP, "/api/v1/live/broker").get(Map.class).get("port");
        String uri = "tcp://127.0.0.1:" + port;
        byte[] v3Payload = randomBytes(2_000_000, 3);
        byte[] v5Payload = randomBytes(2_500_000, 5);
        Map<String, byte[]> received = new ConcurrentHashMap<>();

        MqttClient subscriber = new MqttClient(uri, "large-subscriber", new MemoryPersistence());
        MqttClient v3 = new MqttClient(uri, "large-v3", new MemoryPersistence());
        MqttAsyncClient v5 = new MqttAsyncClient(uri, "large-v5", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        try {
            subscriber.connect();
            subscriber.subscribe("large/#", 1, (topic, message) -> received.put(topic, message.getPayload()));
            MqttConnectOptions v3Options = new MqttConnectOptions();
            v3.setTimeToWait(30_000);
            v3.connect(v3Options);
            v5.connect(new MqttConnectionOptions()).waitForCompletion(30_000);

            MqttMessage v3Message = new MqttMessage(v3Payload);
            v3Message.setQos(1);
            v3.publish("large/v3", v3Message); // returns on PUBACK; throws if the connection is closed instead

            org.eclipse.paho.mqttv5.common.MqttMessage v5Message = new org.eclipse.paho.mqttv5.common.MqttMessage(v5Payload);
            v5Message.setQos(1);
            IMqttToken v5Token = v5.publish("large/t/v5", v5Message);
            v5Token.waitForCompletion(30_000);

            assertThat(v3.isConnected()).isTrue();
            assertThat(v5Token.getReasonCodes()).containsExactly(0);
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 2);
            assertThat(received.get("large/v3")).isEqualTo(v3Payload);
            assertThat(received.get("large/t/v5")).isEqualTo(v5Payload);
            await("both messages in the history").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (Map.Entry<String, Integer> expected : Map.of("large/v3", v3Payload.length, "large/t/v5", v5Payload.length).entrySet()) {
                    Map<String, Object> page = api(APP, "/api/v1/messages?topic=" + expected.getKey()).get(Map.class);
                    List<Map<String, Object>> items = (List<Map<String, Object>>) page.get("items");
                    assertThat(items).hasSize(1);
                    assertThat(items.get(0).get("payloadSize")).isEqualTo(expected.getValue());
                }
            });
        } finally {
            for (MqttClient client : List.of(subscriber, v3)) {
                if (client.isConnected()) {
                    client.disconnectForcibly(0, 1_000);
                }
                client.close(true);
            }
            if (v5.isConnected()) {
                v5.disconnectForcibly(0, 1_000, true);
            }
            v5.close(true);
        }
    }
}
