package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The inbox reader alone, over Kafka's in-memory consumer: what it does when the broker refuses a message. */
class InboxReaderTest {

    private static final String INBOX = "inbox.n2";
    private static final TopicPartition PARTITION = new TopicPartition(INBOX, 0);

    private final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST) {
        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             OffsetCommitCallback callback) {
            commits.add(offsets);
            super.commitAsync(offsets, callback);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            commits.add(offsets);
            super.commitSync(offsets, timeout);
        }
    };
    private InboxReader reader;

    @AfterEach
    void close() {
        if (reader != null) {
            reader.close();
        }
    }

    /**
     * A restarted node reads what waited in its inbox before its broker runs: the broker refuses, and
     * the reader hands the messages over again until it takes them. It used to stop, and the node
     * isolated itself for good.
     */
    @Test
    void messagesTheBrokerRefusesAreHandedOverAgainUntilItTakesThem() {
        AtomicInteger refusals = new AtomicInteger(3);
        List<String> delivered = new CopyOnWriteArrayList<>();
        reader = new InboxReader(consumer, INBOX, (message, scope, partition, offset) -> {
            if (refusals.getAndDecrement() > 0) {
                return CompletableFuture.failedFuture(new IllegalStateException("MQTT broker is not running"));
            }
            delivered.add(new String(message.payload(), UTF_8));
            return CompletableFuture.completedFuture(1);
        }, "n2");
        backlogOf("m0", "m1");

        reader.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() == 2);
        assertThat(delivered).containsExactly("m0", "m1");
        assertThat(reader.isAlive()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> !commits.isEmpty());
        assertThat(commits.get(commits.size() - 1).get(PARTITION).offset()).isEqualTo(2);
    }

    /** A reader closed while the broker still refuses leaves the offsets: the next start reads them again. */
    @Test
    void aReaderClosedWhileTheBrokerRefusesCommitsNothing() {
        AtomicInteger attempts = new AtomicInteger();
        reader = new InboxReader(consumer, INBOX, (message, scope, partition, offset) -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException("MQTT broker is not running"));
        }, "n2");
        backlogOf("m0");

        reader.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> attempts.get() >= 2);
        reader.close();

        assertThat(commits).isEmpty();
        assertThat(reader.isAlive()).isTrue();
    }

    private void backlogOf(String... payloads) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(PARTITION));
            Map<TopicPartition, Long> beginning = new HashMap<>();
            beginning.put(PARTITION, 0L);
            consumer.updateBeginningOffsets(beginning);
            consumer.seek(PARTITION, 0);
            for (int i = 0; i < payloads.length; i++) {
                consumer.addRecord(received(i, payloads[i]));
            }
        });
    }

    private static ConsumerRecord<byte[], byte[]> received(long offset, String payload) {
        PublishedMessage message = new PublishedMessage("backlog/t", payload.getBytes(UTF_8), 1, false, "pub", null,
                MqttVersion.MQTT_5, Instant.now(), null);
        ProducerRecord<byte[], byte[]> sent = new InboxRecords("n1").create(INBOX, message, true, List.of(), "n1:i:" + offset);
        return new ConsumerRecord<>(INBOX, 0, offset, System.currentTimeMillis(), TimestampType.CREATE_TIME, -1, -1,
                sent.key(), sent.value(), new RecordHeaders(sent.headers().toArray()), Optional.empty());
    }
}
