package io.mqttbridge.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code limits.maxPendingPacketBytes} (1 MiB here) on a real broker: connected clients that send most of a
 * large PUBLISH and stall hold its bytes in the decoder. Once a read does not fit, the clients whose packet
 * has waited longest are closed (MQTT 5: DISCONNECT 0x97) to make room, so that such a flood cannot fill the
 * broker's memory and a legitimate client's large QoS 1 publish still goes through.
 */
class PendingPacketBytesTest {

    private static final int BOUND = 1024 * 1024;
    private static final int STALLED_BYTES = 200_000;
    private static final int DISCONNECT = 14;

    private final TestBroker broker = TestBroker.start(config -> config.getLimits().setMaxPendingPacketBytes(BOUND));
    private final List<RawMqttClient> stalled = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (RawMqttClient client : stalled) {
            client.close();
        }
        broker.close();
    }

    /** An MQTT 5 client connected with keep alive 0 that sent {@value #STALLED_BYTES} bytes of a larger PUBLISH. */
    private RawMqttClient stalledPublisher(String clientId) throws Exception {
        RawMqttClient client = new RawMqttClient(broker.port());
        stalled.add(client);
        client.send(RawMqttClient.connect5(clientId, true, 0, new byte[0]));
        RawMqttClient.Packet connack = client.read();
        assertThat(connack.type()).isEqualTo(2);
        byte[] publish = RawMqttClient.publish5(1, "big/" + clientId, 1, "x".repeat(210_000), new byte[0]);
        client.send(Arrays.copyOfRange(publish, 0, STALLED_BYTES));
        return client;
    }

    @Test
    void theLongestStalledPacketsAreClosedForNewerOnesAndALegitimateLargePublishStillSucceeds() throws Exception {
        // Five stalled packets fit (1,000,000 bytes), the sixth does not: the first one's connection makes room.
        for (int i = 0; i < 5; i++) {
            stalledPublisher("stalled-" + i);
            long holding = (long) (i + 1) * STALLED_BYTES;
            await().atMost(Duration.ofSeconds(5)).until(() -> pendingBytes() == holding);
        }
        assertThat(refused()).isZero();

        stalledPublisher("stalled-5");

        RawMqttClient.Packet disconnect = stalled.get(0).read();
        assertThat(disconnect).as("the longest stalled packet's connection was closed").isNotNull();
        assertThat(disconnect.type()).isEqualTo(DISCONNECT);
        assertThat(disconnect.body()[0] & 0xFF).as("Quota exceeded").isEqualTo(0x97);
        assertThat(stalled.get(0).read()).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> refused() == 1 && pendingBytes() == 5L * STALLED_BYTES);

        MqttClient device = new MqttClient(broker.tcpUri(), "device", new MemoryPersistence());
        device.setTimeToWait(10_000);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        device.connect(options);
        MqttMessage large = new MqttMessage(new byte[200_000]);
        large.setQos(1);
        device.publish("device/large", large);
        assertThat(device.isConnected()).isTrue();
        device.disconnect();
        device.close();

        assertThat(refused()).as("the next longest stalled one made room for it").isEqualTo(2);
        assertThat(stalled.get(1).read().type()).isEqualTo(DISCONNECT);
        assertThat(stalled.get(5).nothingReceived()).as("the newest stalled one is still open").isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> pendingBytes() == 4L * STALLED_BYTES);
    }

    private long refused() {
        return broker.metrics.meter(LimitMetrics.PENDING_PACKET_BYTES).getCount();
    }

    private long pendingBytes() {
        return ((Number) broker.metrics.getGauges().get(LimitMetrics.PENDING_PACKET_BYTES_HELD).getValue()).longValue();
    }
}
