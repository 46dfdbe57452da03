package io.mqttbridge.api.e2e;

import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.testing.FreshBridgeApp;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.mqttbridge.api.testing.FreshBridgeApp.api;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fresh install with the default history writer settings: the mirror's topic is created at
 * start-up, so the history writer is reading it before the first message arrives, and that message is
 * queryable through the API within a second of its PUBACK (it used to wait for the topic to be created
 * on first use and for the writer's next metadata refresh, about 5 s).
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class FirstMessageEndToEndTest {

    private static final String MIRROR_TOPIC_LAG_GAUGE = "history-writer.lag.mqtt.messages-0";

    private static final FreshBridgeApp BRIDGE = new FreshBridgeApp("e2e-fresh-install-config.yml", "bridge_fresh");
    static final DropwizardAppExtension<BridgeConfiguration> APP = BRIDGE.extension();

    @AfterAll
    static void dropDatabase() {
        BRIDGE.dropDatabase();
    }

    @Test
    @SuppressWarnings("unchecked")
    void firstMessageOfAFreshInstallIsQueryableThroughTheApiWithinOneSecondOfItsPuback() throws Exception {
        await("the history writer to be assigned the mirror's topic, which exists before any message")
                .atMost(Duration.ofSeconds(20))
                .until(() -> APP.getEnvironment().metrics().getGauges().containsKey(MIRROR_TOPIC_LAG_GAUGE));
        int mqttPort = (Integer) api(APP, "/api/v1/live/broker").get(Map.class).get("port");
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + mqttPort, "first-client", new MemoryPersistence());
        try {
            client.connect(new MqttConnectionOptions());
            MqttMessage message = new MqttMessage("first".getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            client.publish("fresh/first", message);

            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                Map<String, Object> page = api(APP, "/api/v1/messages?topic=fresh/first").get(Map.class);
                assertThat((List<Map<String, Object>>) page.get("items")).hasSize(1);
            });
        } finally {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        }
    }
}
