package io.mqttbridge.broker.e2e;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.mqttbridge.broker.e2e.DurableAckTest.ManualSink;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.SessionListener;
import io.mqttbridge.testing.mqtt.PahoV3Collector;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * While the broker stops reading a publisher because its sink is not accepting, the keep-alive is
 * still honoured: PINGREQ is answered and the broker's own pause never ends the connection with 0x8D
 * (nor publishes its will). A client that really goes silent is still disconnected.
 */
class KeepAliveWhilePausedTest {

    private final ManualSink sink = new ManualSink();
    private final TestBroker broker = new TestBroker(c -> { }, Authenticator.ALLOW_ALL, Authorizer.ALLOW_ALL, sink,
            SessionListener.NONE);

    @AfterEach
    void stop() {
        broker.close();
    }

    @Test
    void pahoV3PublisherWithOneSecondKeepAliveStaysConnectedForSeveralKeepAlivesWhileThePauseLasts()
            throws Exception {
        sink.accepting = false;
        MqttAsyncClient client = new MqttAsyncClient(broker.tcpUri(), "paused-v3", new MemoryPersistence());
        PahoV3Collector collected = new PahoV3Collector();
        client.setCallback(collected);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setKeepAliveInterval(1);
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        client.connect(options).waitForCompletion(5000);
        MqttMessage message = new MqttMessage("m1".getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        IMqttDeliveryToken token = client.publish("paused/v3", message);
        await().until(() -> sink.futures.size() == 1);

        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> collected.lost() == null && client.isConnected()
                        && broker.broker.connection("paused-v3").isPresent());

        sink.accepting = true;
        sink.pressureListener.run();
        sink.futures.get(0).complete(null);
        token.waitForCompletion(5000);
        assertThat(token.isComplete()).isTrue();
        assertThat(collected.lost()).isNull();
        client.disconnect().waitForCompletion(5000);
        client.close();
    }

    @Test
    void mqtt5PublisherWithOneSecondKeepAliveStaysConnectedWhileThePauseLasts() throws Exception {
        sink.accepting = false;
        CompletableFuture<Throwable> disconnected = new CompletableFuture<>();
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("paused-v5")
                .serverHost("127.0.0.1").serverPort(broker.port())
                .addDisconnectedListener(context -> disconnected.complete(context.getCause()))
                .buildAsync();
        client.connectWith().keepAlive(1).send().get(5, TimeUnit.SECONDS);
        CompletableFuture<Mqtt5PublishResult> published = client.publishWith().topic("paused/v5")
                .qos(MqttQos.AT_LEAST_ONCE).payload("m1".getBytes(StandardCharsets.UTF_8)).send();
        await().until(() -> sink.futures.size() == 1);

        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> !disconnected.isDone() && broker.broker.connection("paused-v5").isPresent());

        sink.accepting = true;
        sink.pressureListener.run();
        sink.futures.get(0).complete(null);
        assertThat(published.get(5, TimeUnit.SECONDS).getError()).isEmpty();
        assertThat(disconnected).isNotDone();
        client.disconnect().get(5, TimeUnit.SECONDS);
    }

    @Test
    void clientThatFallsSilentWhileReadingIsPausedIsStillDisconnectedForKeepAlive() throws Exception {
        sink.accepting = false;
        try (RawMqttClient client = new RawMqttClient(broker.port())) {
            client.send(RawMqttClient.connect(4, "silent", true, 1));
            assertThat(client.read().type()).isEqualTo(2);
            client.send(RawMqttClient.publish(1, "t", 1, "a", false));
            await().until(() -> sink.futures.size() == 1);
            assertThat(client.read()).as("closed for keep-alive, nothing sent").isNull();
        }
    }
}
