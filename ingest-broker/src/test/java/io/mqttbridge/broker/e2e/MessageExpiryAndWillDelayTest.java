package io.mqttbridge.broker.e2e;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.testing.mqtt.RawMqttClient.Packet;
import io.mqttbridge.testing.mqtt.RawMqttClient;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class MessageExpiryAndWillDelayTest {

    private static PublishedMessage aged(String payload, long expirySeconds, long ageSeconds) {
        return new PublishedMessage("exp/t", payload.getBytes(StandardCharsets.UTF_8), 0, false, null, null, null,
                Instant.now().minusSeconds(ageSeconds),
                new MessageProperties(null, expirySeconds, null, null, null, List.of()));
    }

    @Test
    void expiredMessageIsNotDeliveredAndTheRemainingIntervalIsForwarded() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient subscriber = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.connect5("expSub", true, 60, new byte[0]));
            assertThat(subscriber.read().type()).isEqualTo(2);
            subscriber.send(RawMqttClient.subscribe(1, "exp/#", 0, true));
            assertThat(subscriber.read().type()).isEqualTo(9);

            assertThat(broker.broker.publish(aged("stale", 5, 10)).get()).isEqualTo(1);
            assertThat(broker.broker.publish(aged("fresh", 100, 10)).get()).isEqualTo(1);

            Packet first = subscriber.read();
            assertThat(new String(first.body(), StandardCharsets.UTF_8)).endsWith("fresh");
            // topic "exp/t" (2 + 5 bytes), property length, then Message Expiry Interval (0x02) and 4 bytes
            assertThat(first.body()[8]).isEqualTo((byte) 0x02);
            int remaining = ByteBuffer.wrap(first.body(), 9, 4).getInt();
            assertThat(remaining).isBetween(85, 90);
        }
    }

    @Test
    void aMessageWithAnExpiryIntervalOfZeroReachesConnectedSubscribersWithZeroButNoLaterSubscriber()
            throws Exception {
        byte[] expiryZero = {0x02, 0, 0, 0, 0};
        try (TestBroker broker = TestBroker.start();
             RawMqttClient subscriber = new RawMqttClient(broker.port());
             RawMqttClient publisher = new RawMqttClient(broker.port())) {
            subscriber.send(RawMqttClient.connect5("zeroSub", true, 60, new byte[0]));
            assertThat(subscriber.read().type()).isEqualTo(2);
            subscriber.send(RawMqttClient.subscribe(1, "zero/#", 1, true));
            assertThat(subscriber.read().type()).isEqualTo(9);
            publisher.send(RawMqttClient.connect5("zeroPub", true, 60, new byte[0]));
            assertThat(publisher.read().type()).isEqualTo(2);

            publisher.send(RawMqttClient.packet(0x31, publishBody("zero/t", expiryZero, "now")));
            Packet delivered = subscriber.read();
            assertThat(new String(delivered.body(), StandardCharsets.UTF_8)).endsWith("now");
            // topic "zero/t" (2 + 6 bytes), property length, then Message Expiry Interval (0x02) of 0
            assertThat(delivered.body()[9]).isEqualTo((byte) 0x02);
            assertThat(ByteBuffer.wrap(delivered.body(), 10, 4).getInt()).isZero();

            Instant published = Instant.now();
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(published.plusMillis(1_100)));
            try (RawMqttClient later = new RawMqttClient(broker.port())) {
                later.send(RawMqttClient.connect5("zeroLater", true, 60, new byte[0]));
                assertThat(later.read().type()).isEqualTo(2);
                later.send(RawMqttClient.subscribe(1, "zero/#", 1, true));
                assertThat(later.read().type()).isEqualTo(9);
                later.send(RawMqttClient.packet(0xC0, new byte[0]));
                assertThat(later.read().type()).as("PINGRESP, no retained PUBLISH before it").isEqualTo(13);
            }
        }
    }

    /** A retained PUBLISH's variable header and payload: topic, properties, no packet id (QoS 0). */
    private static byte[] publishBody(String topic, byte[] properties, String payload) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        RawMqttClient.writeString(out, topic);
        out.write(properties.length);
        out.writeBytes(properties);
        out.writeBytes(payload.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void aMessageSentAndUnacknowledgedIsResentAfterItsExpiry_4_4_0_1() throws Exception {
        byte[] expiresInAnHour = {0x11, 0, 0, 0x0e, 0x10};
        Instant expiry;
        try (TestBroker broker = TestBroker.start()) {
            try (RawMqttClient subscriber = new RawMqttClient(broker.port())) {
                subscriber.send(RawMqttClient.connect5("expInFlight", true, 60, expiresInAnHour));
                assertThat(subscriber.read().type()).isEqualTo(2);
                subscriber.send(RawMqttClient.subscribe(1, "exp/#", 1, true));
                assertThat(subscriber.read().type()).isEqualTo(9);
                PublishedMessage expiring = new PublishedMessage("exp/t", "in flight".getBytes(StandardCharsets.UTF_8),
                        1, false, null, null, null, Instant.now(),
                        new MessageProperties(null, 1L, null, null, null, List.of()));
                assertThat(broker.broker.publish(expiring).get()).isEqualTo(1);
                assertThat(subscriber.read().type()).as("sent, and not acknowledged").isEqualTo(3);
                expiry = expiring.receivedAt().plusMillis(1_100);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.connectedClients().isEmpty());
            Instant expired = expiry;
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(expired));
            try (RawMqttClient back = new RawMqttClient(broker.port())) {
                back.send(RawMqttClient.connect5("expInFlight", false, 60, expiresInAnHour));
                assertThat(back.read().body()[0]).as("session present").isEqualTo((byte) 1);
                Packet resent = back.read();
                // Its delivery started before it expired: it is completed, DUP set [MQTT-4.4.0-1, MQTT-3.3.2-5].
                assertThat(resent.type()).isEqualTo(3);
                assertThat(resent.firstByte() & 0x08).as("DUP").isNotZero();
                assertThat(new String(resent.body(), StandardCharsets.UTF_8)).endsWith("in flight");
            }
        }
    }

    @Test
    void aQueuedMessageThatExpiresIsNotSentAndLeavesTheSessionStoreToo() throws Exception {
        byte[] expiresInAnHour = {0x11, 0, 0, 0x0e, 0x10};
        try (TestBroker broker = TestBroker.start()) {
            try (RawMqttClient subscriber = new RawMqttClient(broker.port())) {
                subscriber.send(RawMqttClient.connect5("expAway", true, 60, expiresInAnHour));
                assertThat(subscriber.read().type()).isEqualTo(2);
                subscriber.send(RawMqttClient.subscribe(1, "exp/#", 1, true));
                assertThat(subscriber.read().type()).isEqualTo(9);
                subscriber.send(RawMqttClient.packet(0xE0, new byte[] {0}));
            }
            PublishedMessage expiring = new PublishedMessage("exp/t", "soon".getBytes(StandardCharsets.UTF_8), 1, false,
                    null, null, null, Instant.now(), new MessageProperties(null, 1L, null, null, null, List.of()));
            await().atMost(Duration.ofSeconds(5)).until(() -> broker.broker.publish(expiring).get() == 1);
            assertThat(broker.sessionStore.get("expAway").orElseThrow().pending()).as("queued and stored").hasSize(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(expiring.receivedAt().plusSeconds(1)));

            try (RawMqttClient back = new RawMqttClient(broker.port())) {
                back.send(RawMqttClient.connect5("expAway", false, 60, expiresInAnHour));
                assertThat(back.read().type()).isEqualTo(2);
                back.send(RawMqttClient.packet(0xC0, new byte[0]));
                assertThat(back.read().type()).as("PINGRESP, no PUBLISH before it").isEqualTo(13);
                // Still connected: no later snapshot of the session has replaced its stored messages yet.
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThat(broker.sessionStore.get("expAway").orElseThrow().pending()).isEmpty());
            }
        }
    }

    @Test
    void willWithDelayIsNotSentWhenTheClientReconnectsInTime() throws Exception {
        byte[] sessionExpiry = {0x11, 0, 0, 0, 120};
        byte[] willDelay = {0x18, 0, 0, 0, 60};
        try (TestBroker broker = TestBroker.start();
             RawMqttClient watcher = new RawMqttClient(broker.port())) {
            watcher.send(RawMqttClient.connect(4, "delayWatcher", true, 60));
            assertThat(watcher.read().type()).isEqualTo(2);
            watcher.send(RawMqttClient.subscribe(1, "delayed/#", 0, false));
            assertThat(watcher.read().type()).isEqualTo(9);
            try (RawMqttClient first = new RawMqttClient(broker.port())) {
                first.send(RawMqttClient.connect5WithWill("delayed", false, sessionExpiry, willDelay, "delayed/will", "late"));
                assertThat(first.read().type()).isEqualTo(2);
            }
            org.awaitility.Awaitility.await().until(() -> broker.broker.connectedClients().size() == 1);
            try (RawMqttClient second = new RawMqttClient(broker.port())) {
                second.send(RawMqttClient.connect5("delayed", false, 60, sessionExpiry));
                assertThat(second.read().body()[0]).as("session present").isEqualTo((byte) 1);
                second.send(RawMqttClient.publish5(0, "delayed/marker", 0, "marker", new byte[0]));
                assertThat(new String(watcher.read().body(), StandardCharsets.UTF_8)).endsWith("marker");
            }
        }
    }

    @Test
    void willWithShortDelayIsSentAfterTheDelay() throws Exception {
        try (TestBroker broker = TestBroker.start();
             RawMqttClient watcher = new RawMqttClient(broker.port())) {
            watcher.send(RawMqttClient.connect(4, "shortWatcher", true, 60));
            assertThat(watcher.read().type()).isEqualTo(2);
            watcher.send(RawMqttClient.subscribe(1, "short/#", 0, false));
            assertThat(watcher.read().type()).isEqualTo(9);
            try (RawMqttClient dying = new RawMqttClient(broker.port())) {
                dying.send(RawMqttClient.connect5WithWill("short", false, new byte[] {0x11, 0, 0, 0, 60},
                        new byte[] {0x18, 0, 0, 0, 1}, "short/will", "later"));
                assertThat(dying.read().type()).isEqualTo(2);
            }
            assertThat(new String(watcher.read().body(), StandardCharsets.UTF_8)).endsWith("later");
        }
    }
}
