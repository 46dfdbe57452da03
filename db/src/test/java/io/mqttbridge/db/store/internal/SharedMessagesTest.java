package io.mqttbridge.db.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedMessagesTest {

    private static final Instant RECEIVED = Instant.parse("2026-12-06T21:00:00.123456789Z");

    private static PublishedMessage message(byte[] payload, MessageProperties properties) {
        return new PublishedMessage("fleet/cmd", payload, 1, false, "operator", "alice", MqttVersion.MQTT_5,
                RECEIVED, properties);
    }

    private static MessageProperties properties(byte[] correlationData, String userValue) {
        return new MessageProperties(1, 60L, "text/plain", "replies", correlationData,
                List.of(new UserProperty("k", userValue)));
    }

    @Test
    void messagesEqualInEveryFieldAreOneObject() {
        SharedMessages shared = new SharedMessages();
        PublishedMessage first = shared.share(message(new byte[] {1, 2, 3}, properties(new byte[] {9}, "v")));

        PublishedMessage again = shared.share(message(new byte[] {1, 2, 3}, properties(new byte[] {9}, "v")));

        assertThat(again).isSameAs(first);
        assertThat(shared.size()).isEqualTo(1);
    }

    @Test
    void aDifferenceInAnyFieldKeepsMessagesApart() {
        SharedMessages shared = new SharedMessages();
        PublishedMessage first = shared.share(message(new byte[] {1, 2, 3}, properties(new byte[] {9}, "v")));
        List<PublishedMessage> others = List.of(
                message(new byte[] {1, 2, 4}, properties(new byte[] {9}, "v")),
                message(new byte[] {1, 2, 3}, properties(new byte[] {8}, "v")),
                message(new byte[] {1, 2, 3}, properties(new byte[] {9}, "w")),
                message(new byte[] {1, 2, 3}, MessageProperties.NONE),
                new PublishedMessage("fleet/cmd", new byte[] {1, 2, 3}, 2, false, "operator", "alice",
                        MqttVersion.MQTT_5, RECEIVED, properties(new byte[] {9}, "v")),
                new PublishedMessage("fleet/cmd", new byte[] {1, 2, 3}, 1, true, "operator", "alice",
                        MqttVersion.MQTT_5, RECEIVED, properties(new byte[] {9}, "v")),
                new PublishedMessage("fleet/cmd", new byte[] {1, 2, 3}, 1, false, "operator", "bob",
                        MqttVersion.MQTT_5, RECEIVED, properties(new byte[] {9}, "v")),
                new PublishedMessage("fleet/cmd", new byte[] {1, 2, 3}, 1, false, "operator", "alice",
                        MqttVersion.MQTT_3_1_1, RECEIVED, properties(new byte[] {9}, "v")),
                new PublishedMessage("fleet/cmd", new byte[] {1, 2, 3}, 1, false, "operator", "alice",
                        MqttVersion.MQTT_5, RECEIVED.plusNanos(1), properties(new byte[] {9}, "v")));

        for (PublishedMessage other : others) {
            assertThat(shared.share(other)).as(other.toString()).isSameAs(other).isNotSameAs(first);
        }
    }

    @Test
    void equalLengthPayloadsWithEqualHashesAreComparedByContent() {
        // "Aa" and "BB" have the same hash code; as bytes so do {65, 97} and {66, 66}.
        byte[] aa = {65, 97};
        byte[] bb = {66, 66};
        assertThat(java.util.Arrays.hashCode(aa)).isEqualTo(java.util.Arrays.hashCode(bb));
        SharedMessages shared = new SharedMessages();
        PublishedMessage first = shared.share(message(aa, MessageProperties.NONE));

        PublishedMessage colliding = message(bb, MessageProperties.NONE);

        assertThat(shared.share(colliding)).isSameAs(colliding);
        assertThat(shared.share(message(aa.clone(), MessageProperties.NONE))).isSameAs(first);
    }
}
