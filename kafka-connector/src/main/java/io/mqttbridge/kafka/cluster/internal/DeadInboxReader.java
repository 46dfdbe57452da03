package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what a dead node had not handed over yet: its inbox from the offsets its consumer group
 * committed (where it would resume after a restart) to the end as of the call. Reads only: it
 * joins no group and commits nothing, so the dead node, when it comes back, still finds every
 * record (for its other sessions) where it left them. Blocking; call it off the event loops.
 * Its steps ({@link #assignAtCommittedOffsets}, {@link #pollToEnd}) are also those of the
 * {@link DeadInboxCache}, which keeps its consumer between reads.
 */
public final class DeadInboxReader {

    private static final Logger LOG = LoggerFactory.getLogger(DeadInboxReader.class);

    private DeadInboxReader() {
    }

    /**
     * The records read with what they were for, and where the read ended per partition.
     *
     * @param scopes for each message, the scope its record named
     * @param endOffsets partition -> the end offset as of the call
     */
    public record ScopedResult(List<PublishedMessage> messages, List<ForwardedScope> scopes, boolean complete,
            long records, Map<Integer, Long> endOffsets) {
    }

    /** Which records to keep: by their scope and {partition, offset}. */
    public interface Keep {
        boolean test(ForwardedScope scope, long[] position);
    }

    /**
     * Reads the inbox, keeping the records {@code keep} accepts, with their scopes.
     *
     * @param consumerProperties byte-array deserializers, bootstrap servers and the dead node's inbox
     *     group as {@code group.id} (used to read its committed offsets only)
     * @param timeout how long to read; what was read until then is returned, {@code complete} false
     */
    public static ScopedResult read(Properties consumerProperties, String inboxTopic, Keep keep, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<PublishedMessage> messages = new ArrayList<>();
        List<ForwardedScope> scopes = new ArrayList<>();
        long[] records = {0};
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties)) {
            Set<TopicPartition> partitions = assignAtCommittedOffsets(consumer, inboxTopic, deadline);
            Map<Integer, Long> endOffsets = new HashMap<>();
            boolean complete = pollToEnd(consumer, partitions, deadline, endOffsets, record -> {
                if (record.offset() >= endOffsets.get(record.partition())) {
                    return;
                }
                records[0]++;
                ForwardedScope scope = parsedOrSkipped(record, InboxRecords::scope);
                boolean kept = scope != null && keep.test(scope, new long[] {record.partition(), record.offset()});
                PublishedMessage message = kept ? parsedOrSkipped(record, InboxRecords::message) : null;
                if (message != null) {
                    messages.add(message);
                    scopes.add(scope);
                }
            });
            return new ScopedResult(messages, scopes, complete, records[0], endOffsets);
        }
    }

    /**
     * Assigns every partition of {@code inboxTopic} to {@code consumer} at the offsets its group
     * committed (the beginning where it committed none).
     *
     * @return the partitions; empty when the topic has none (yet)
     */
    static Set<TopicPartition> assignAtCommittedOffsets(KafkaConsumer<byte[], byte[]> consumer, String inboxTopic,
            long deadline) {
        List<PartitionInfo> infos = consumer.partitionsFor(inboxTopic, remaining(deadline));
        if (infos == null || infos.isEmpty()) {
            return Set.of();
        }
        Set<TopicPartition> partitions = new HashSet<>();
        infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions, remaining(deadline));
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions, remaining(deadline));
        consumer.assign(partitions);
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata offset = committed.get(partition);
            consumer.seek(partition, offset == null ? beginning.get(partition) : offset.offset());
        }
        return partitions;
    }

    /**
     * Polls until {@code consumer} is past the end offsets of {@code partitions} as of the call
     * (put into {@code endOffsets}, partition -> offset), handing each record polled to
     * {@code each} (the last poll may go past those ends).
     *
     * @return whether every partition reached its end before {@code deadline}
     */
    static boolean pollToEnd(KafkaConsumer<byte[], byte[]> consumer, Set<TopicPartition> partitions, long deadline,
            Map<Integer, Long> endOffsets, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        if (partitions.isEmpty()) {
            return true;
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
        end.forEach((partition, offset) -> endOffsets.put(partition.partition(), offset));
        Set<TopicPartition> behind = new HashSet<>(partitions);
        behind.removeIf(partition -> consumer.position(partition, remaining(deadline)) >= end.get(partition));
        while (!behind.isEmpty() && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(each);
            behind.removeIf(partition -> consumer.position(partition) >= end.get(partition));
        }
        return behind.isEmpty();
    }

    /** {@code parse} of {@code record}; {@code null} (logged) for a malformed record, which is skipped. */
    static <T> T parsedOrSkipped(ConsumerRecord<byte[], byte[]> record,
            Function<ConsumerRecord<byte[], byte[]>, T> parse) {
        try {
            return parse.apply(record);
        } catch (IllegalArgumentException e) {
            LOG.warn("cluster: skipped malformed inbox record {}-{}@{}: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return null;
        }
    }

    static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    }
}
