package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link DeadInboxCache} against a real Kafka: one consumer per dead instance, read on incrementally. */
class DeadInboxCacheTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String bootstrap = TestKafka.bootstrapServers();
    private final String inbox = KafkaTestClients.uniqueTopic("dead-inbox");
    private final InboxRecords records = new InboxRecords("dead");
    private DeadInboxCache cache = new DeadInboxCache(Duration.ofMinutes(1));

    @AfterEach
    void close() {
        cache.close();
    }

    @Test
    void theInboxIsOpenedOnceAtTheCommittedOffsetsAndReadOnForLaterClients() throws Exception {
        KafkaTestClients.createTopic(bootstrap, inbox, 2);
        send(0, "handed-over", true);
        send(0, "a", true);
        send(1, "b", true);
        send(1, "shared-only", false);
        commit(0, 1);

        DeadInboxCache.Read first = cache.readToEnd("dead", "i1", inbox, this::properties, TIMEOUT);
        assertThat(first.complete()).isTrue();
        assertThat(payloads(first)).containsExactlyInAnyOrder("a", "b");
        assertThat(first.endOffsets()).containsEntry(0, 2L).containsEntry(1, 2L);

        send(1, "c", true);
        DeadInboxCache.Read second = cache.readToEnd("dead", "i1", inbox, this::properties, TIMEOUT);
        assertThat(second.newRecords()).isEqualTo(1);
        assertThat(payloads(second)).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(cache.opened()).isEqualTo(1);
    }

    @Test
    void anotherInstanceOfTheDeadNodeOrAnIdleInboxIsReadAgainFromItsCommittedOffsets() throws Exception {
        KafkaTestClients.createTopic(bootstrap, inbox, 1);
        send(0, "a", true);
        cache.readToEnd("dead", "i1", inbox, this::properties, TIMEOUT);

        commit(0, 1);
        send(0, "b", true);
        DeadInboxCache.Read again = cache.readToEnd("dead", "i2", inbox, this::properties, TIMEOUT);
        assertThat(payloads(again)).containsExactly("b");
        assertThat(cache.opened()).isEqualTo(2);

        cache.close();
        cache = new DeadInboxCache(Duration.ZERO);
        cache.readToEnd("dead", "i2", inbox, this::properties, TIMEOUT);
        cache.readToEnd("dead", "i2", inbox, this::properties, TIMEOUT);
        assertThat(cache.opened()).as("closed as idle between the two reads").isEqualTo(2);
    }

    private List<String> payloads(DeadInboxCache.Read read) {
        return read.backlog().matching(List.of("#"), read.endOffsets()).stream()
                .map(message -> new String(message.payload(), UTF_8)).toList();
    }

    private void send(int partition, String payload, boolean nonShared) throws Exception {
        PublishedMessage message = new PublishedMessage("fleet/1/cmd", payload.getBytes(UTF_8), 1, false, "publisher",
                null, MqttVersion.MQTT_5, Instant.now(), null);
        var record = records.create(inbox, message, nonShared, nonShared ? null : List.of("$share/g/fleet/#"),
                "id-" + payload);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(bootstrap)) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(inbox, partition, record.key(),
                    record.value(), record.headers())).get();
        }
    }

    /** The dead node's inbox group committed {@code offset} on {@code partition}. */
    private void commit(int partition, long offset) {
        try (KafkaConsumer<byte[], byte[]> group = new KafkaConsumer<>(properties())) {
            TopicPartition topicPartition = new TopicPartition(inbox, partition);
            group.assign(List.of(topicPartition));
            group.commitSync(Map.of(topicPartition, new OffsetAndMetadata(offset)));
        }
    }

    private Properties properties() {
        return ClusterConsumers.properties(new ClusterConfig(), bootstrap, "survivor", inbox);
    }
}
