package io.mqttbridge.db.internal;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.db.Page;
import io.mqttbridge.db.RetainedMessage;
import io.mqttbridge.db.store.JdbiRetainedStore;
import io.mqttbridge.db.testing.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The retained messages as the REST API reads and clears them, stored by the broker's real store. */
class RetainedMessageRepositoryTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);

    private JdbiRetainedStore store;
    private final JdbiRetainedMessageRepository retained = new JdbiRetainedMessageRepository(db.jdbi(),
            Clock.fixed(NOW, ZoneOffset.UTC), 1000);

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE retained_messages"));
        store = new JdbiRetainedStore(db.jdbi(), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void pagesFollowTheTopicOrderAndTheFilter() throws Exception {
        put("b/2", "x", null);
        put("a/1", "x", null);
        put("b/1", "x", null);
        put("c", "x", null);

        Page<RetainedMessage> first = retained.find("b/#", null, 1);
        assertThat(first.items()).extracting(RetainedMessage::topic).containsExactly("b/1");
        Page<RetainedMessage> second = retained.find("b/#", first.nextCursor(), 1);
        assertThat(second.items()).extracting(RetainedMessage::topic).containsExactly("b/2");
        assertThat(second.hasMore()).isFalse();

        assertThat(retained.find(null, null, 10).items()).extracting(RetainedMessage::topic)
                .containsExactly("a/1", "b/1", "b/2", "c");
        assertThat(retained.find(null, null, 10).hasMore()).isFalse();
        assertThat(retained.find("+", null, 10).items()).extracting(RetainedMessage::topic).containsExactly("c");
    }

    @Test
    void aMessageCarriesWhatThePublisherSent() throws Exception {
        put("t", "hello", 3600L);
        RetainedMessage message = retained.get("t").orElseThrow();
        assertThat(new String(message.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(message.payloadSize()).isEqualTo(5);
        assertThat(message.qos()).isEqualTo(1);
        assertThat(message.clientId()).isEqualTo("pub");
        assertThat(message.protocolVersion()).isEqualTo(5);
        assertThat(message.receivedAt()).isEqualTo(NOW);
        assertThat(message.expiresAt()).isEqualTo(NOW.plusSeconds(3600));
    }

    @Test
    void anExpiredMessageIsNeitherListedNorFound() throws Exception {
        put("old", "x", 1L);
        put("new", "x", null);
        JdbiRetainedMessageRepository later = new JdbiRetainedMessageRepository(db.jdbi(),
                Clock.fixed(NOW.plusSeconds(2), ZoneOffset.UTC), 1000);
        assertThat(later.find(null, null, 10).items()).extracting(RetainedMessage::topic).containsExactly("new");
        assertThat(later.get("old")).isEmpty();
        assertThat(retained.get("old")).isPresent();
    }

    @Test
    void aPageEndsWhereItsPayloadsPassTheBudget() throws Exception {
        put("a", "x".repeat(600), null);
        put("b", "x".repeat(600), null);
        put("c", "x".repeat(10), null);

        Page<RetainedMessage> first = retained.find(null, null, 10);
        assertThat(first.items()).extracting(RetainedMessage::topic).containsExactly("a", "b");
        assertThat(first.items()).allSatisfy(m -> assertThat(m.payload()).hasSize(600));
        assertThat(retained.find(null, first.nextCursor(), 10).items()).extracting(RetainedMessage::topic)
                .containsExactly("c");
    }

    @Test
    void deleteRemovesExactlyTheTopic() throws Exception {
        put("a/b", "x", null);
        put("a/c", "x", null);
        assertThat(retained.delete("a/+")).isFalse();
        assertThat(retained.delete("a/b")).isTrue();
        assertThat(retained.delete("a/b")).isFalse();
        assertThat(retained.find(null, null, 10).items()).extracting(RetainedMessage::topic).containsExactly("a/c");
    }

    @Test
    void badArgumentsAreRefusedNamingWhatIsWrong() {
        assertThatThrownBy(() -> retained.find("a/#/b", null, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a/#/b");
        assertThatThrownBy(() -> retained.find(null, "not-a-cursor", 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> retained.find(null, null, 0)).hasMessageContaining("limit");
        assertThatThrownBy(() -> retained.find(null, null, 1001)).hasMessageContaining("limit");
    }

    private void put(String topic, String payload, Long expirySeconds) throws Exception {
        MessageProperties properties = new MessageProperties(null, expirySeconds, null, null, null, List.of());
        store.put(new PublishedMessage(topic, payload.getBytes(StandardCharsets.UTF_8), 1, true, "pub", null,
                MqttVersion.MQTT_5, NOW, properties)).get(10, TimeUnit.SECONDS);
    }
}
