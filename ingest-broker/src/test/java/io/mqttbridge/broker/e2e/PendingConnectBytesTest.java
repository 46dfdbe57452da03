package io.mqttbridge.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.metrics.LimitMetrics;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code limits.maxPendingConnectBytes} (250,000 here) on a real broker: a large CONNECT (about 180 KB)
 * that stalls after 150,000 bytes holds them; a second large one is closed once what it sent would pass
 * the bound, while a small CONNECT still fits. Once the first is complete, its bytes are given back, and
 * the next large CONNECT is taken and answered.
 */
class PendingConnectBytesTest {

    private final TestBroker broker = TestBroker.start(config -> config.getLimits().setMaxPendingConnectBytes(250_000));

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
    void largeConnectsStillArrivingAreBoundedOverAllConnectionsAndGiveTheirBytesBackWhenComplete() throws Exception {
        byte[] first = largeConnect("big-1");
        try (RawMqttClient stalled = new RawMqttClient(broker.port());
             RawMqttClient second = new RawMqttClient(broker.port());
             RawMqttClient small = new RawMqttClient(broker.port());
             RawMqttClient third = new RawMqttClient(broker.port())) {
            stalled.send(Arrays.copyOfRange(first, 0, 150_000));
            await().atMost(Duration.ofSeconds(5)).until(() -> pendingBytes() > 140_000);

            assertThat(connectOrClosed(second, largeConnect("big-2"))).as("would pass the bound: closed").isNull();
            assertThat(broker.metrics.meter(LimitMetrics.PENDING_CONNECT_BYTES).getCount()).isEqualTo(1);

            RawMqttClient.Packet smallAck = connectOrClosed(small, RawMqttClient.connect(4, "small", true, 60));
            assertThat(smallAck).as("a small CONNECT still fits").isNotNull();
            assertThat(smallAck.type()).isEqualTo(2);

            stalled.send(Arrays.copyOfRange(first, 150_000, first.length));
            assertThat(stalled.read().type()).as("the stalled CONNECT, completed, is answered").isEqualTo(2);
            assertThat(pendingBytes()).isZero();

            RawMqttClient.Packet thirdAck = connectOrClosed(third, largeConnect("big-3"));
            assertThat(thirdAck).as("the completed CONNECT gave its bytes back").isNotNull();
            assertThat(thirdAck.type()).isEqualTo(2);
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
