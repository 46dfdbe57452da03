package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeadInboxBacklogTest {

    private final DeadInboxBacklog backlog = new DeadInboxBacklog();

    @Test
    void aClientGetsTheMessagesItsExactAndWildcardFiltersMatchInReadOrderOnce() {
        add("fleet/1/cmd", "a", 0, 0);
        add("fleet/2/cmd", "b", 0, 1);
        add("fleet/1/alarm", "c", 1, 0);
        add("fleet/1/cmd", "d", 1, 1);
        add("other/1", "e", 0, 2);

        List<PublishedMessage> share = backlog.matching(List.of("fleet/1/cmd", "fleet/+/alarm", "fleet/1/#"),
                Map.of(0, 10L, 1, 10L));

        assertThat(share).extracting(message -> new String(message.payload(), UTF_8)).containsExactly("a", "c", "d");
    }

    @Test
    void recordsReadPastTheEndTheClaimSawAreNotHandedToThatClient() {
        add("fleet/1/cmd", "seen", 0, 4);
        add("fleet/1/cmd", "later", 0, 5);
        add("fleet/1/cmd", "other-partition", 1, 7);

        assertThat(backlog.matching(List.of("fleet/1/cmd"), Map.of(0, 5L, 1, 8L)))
                .extracting(message -> new String(message.payload(), UTF_8)).containsExactly("seen", "other-partition");
        assertThat(backlog.matching(List.of("fleet/1/cmd"), Map.of(0, 5L))).hasSize(1);
    }

    @Test
    void aWildcardFilterAtTheRootDoesNotMatchDollarTopicsAndNoFilterMatchesNothing() {
        add("$SYS/broker/uptime", "sys", 0, 0);
        add("plain", "plain", 0, 1);

        assertThat(backlog.matching(List.of("#"), Map.of(0, 10L)))
                .extracting(message -> new String(message.payload(), UTF_8)).containsExactly("plain");
        assertThat(backlog.matching(List.of(), Map.of(0, 10L))).isEmpty();
        assertThat(backlog.size()).isEqualTo(2);
    }

    private void add(String topic, String payload, int partition, long offset) {
        backlog.add(new PublishedMessage(topic, payload.getBytes(UTF_8), 1, false, "publisher", null,
                MqttVersion.MQTT_5, Instant.now(), null), partition, offset);
    }
}
