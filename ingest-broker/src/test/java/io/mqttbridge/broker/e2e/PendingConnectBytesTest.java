package io.mqttbridge.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code limits.maxPendingConnectBytes} (250,000 here) on a real broker: a large CONNECT (about 180 KB)
 * that stalls after 150,000 bytes holds them; when a newer connection's bytes do not fit, the oldest
 * stalled one is closed for them, so that a flood of stalled CONNECTs does not keep new clients out.
 * Completed CONNECTs give their bytes back.
 */
class PendingConnectBytesTest {

    private static final int BOUND = 250_000;

    private final TestBroker broker = TestBroker.start(config -> config.getLimits().setMaxPendingConnectBytes(BOUND));

    @AfterEach
    void stop() {
        broker.close();
    }

    /** An MQTT 3.1.1 CONNECT of about 180 KB: a 60 KB will payload, user name and password (each field at most 64 KiB). */
    private static byte[] largeConnect(String clientId) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        RawMqttClient.writeString(body, "MQTT");
        body.write(4);
        body.write(0x02 | 0x04 | 0x08 | 0x40 | 0x80); // clean session, will at QoS 1, password, user name
        body.write(0);
        body.write(60);
        RawMqttClient.writeString(body, clientId);
        RawMqttClient.writeString(body, "will/" + clientId);
        RawMqttClient.writeString(body, "w".repeat(60_000));
        RawMqttClient.writeString(body, "u".repeat(60_000));
        RawMqttClient.writeString(body, "p".repeat(60_000));
        return RawMqttClient.packet(0x10, body.toByteArray());
    }

    @Test
    void theOldestStalledConnectIsClosedForANewerOneThatDoesNotFitAndCompletedOnesGiveTheirBytesBack()
            throws Exception {
        byte[] first = largeConnect("big-1");
        try (RawMqttClient stalled = new RawMqttClient(broker.port());
             RawMqttClient second = new RawMqttClient(broker.port());
             RawMqttClient small = new RawMqttClient(broker.port())) {
            stalled.send(Arrays.copyOfRange(first, 0, 150_000));
            await().atMost(Duration.ofSeconds(5)).until(() -> pendingBytes() > 140_000);

            RawMqttClient.Packet secondAck = connectOrClosed(second, largeConnect("big-2"));
            assertThat(secondAck).as("room was made for it").isNotNull();
            assertThat(secondAck.type()).isEqualTo(2);
            assertThat(stalled.read()).as("the oldest stalled CONNECT was closed for it").isNull();
            assertThat(broker.metrics.meter(LimitMetrics.PENDING_CONNECT_BYTES).getCount()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> pendingBytes() == 0);

            RawMqttClient.Packet smallAck = connectOrClosed(small, RawMqttClient.connect(4, "small", true, 60));
            assertThat(smallAck).isNotNull();
            assertThat(smallAck.type()).isEqualTo(2);
            assertThat(pendingBytes()).isZero();
        }
    }

    @Test
    void newClientsStillConnectWhileAFloodOfStalledConnectsHoldsTheBoundFull() throws Exception {
        List<RawMqttClient> flood = new ArrayList<>();
        try {
            // Three stalled CONNECTs leave 10 bytes: no CONNECT fits beside them.
            for (int i = 0; i < 3; i++) {
                RawMqttClient stalled = new RawMqttClient(broker.port());
                flood.add(stalled);
                stalled.send(Arrays.copyOfRange(largeConnect("flood-" + i), 0, (BOUND - 10) / 3));
                int holding = i + 1;
                await().atMost(Duration.ofSeconds(5)).until(() -> pendingBytes() == (long) holding * ((BOUND - 10) / 3));
            }

            for (int i = 0; i < 3; i++) {
                MqttClient device = new MqttClient("tcp://127.0.0.1:" + broker.port(), "device-" + i, new MemoryPersistence());
                device.connect();
                assertThat(device.isConnected()).isTrue();
                device.disconnect();
                device.close();
            }

            assertThat(flood.get(0).read()).as("the oldest of the flood made room").isNull();
            assertThat(broker.metrics.meter(LimitMetrics.PENDING_CONNECT_BYTES).getCount()).isBetween(1L, 3L);
        } finally {
            for (RawMqttClient stalled : flood) {
                stalled.close();
            }
        }
    }

    private long pendingBytes() {
        return ((Number) broker.metrics.getGauges().get(LimitMetrics.PENDING_CONNECT_BYTES_HELD).getValue()).longValue();
    }

    /** The CONNACK, or {@code null} when the broker closed the connection. */
    private static RawMqttClient.Packet connectOrClosed(RawMqttClient client, byte[] connect) {
        try {
            client.send(connect);
            return client.read();
        } catch (IOException closed) {
            return null;
        }
    }
}
