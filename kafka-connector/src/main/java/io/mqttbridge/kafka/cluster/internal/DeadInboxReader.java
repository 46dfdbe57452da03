package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
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
        Map<Integer, Long> endOffsets = new HashMap<>();
        long records = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties)) {
            List<PartitionInfo> infos = consumer.partitionsFor(inboxTopic, timeout);
            if (infos == null || infos.isEmpty()) {
                return new ScopedResult(List.of(), List.of(), true, 0, Map.of());
            }
            Set<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition()))
                    .collect(Collectors.toSet());
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
            end.forEach((partition, offset) -> endOffsets.put(partition.partition(), offset));
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions, remaining(deadline));
            Map<TopicPartition, Long> start = new HashMap<>();
            Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions, remaining(deadline));
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata offset = committed.get(partition);
                start.put(partition, offset == null ? beginning.get(partition) : offset.offset());
            }
            List<TopicPartition> toRead = partitions.stream().filter(p -> start.get(p) < end.get(p)).toList();
            if (toRead.isEmpty()) {
                return new ScopedResult(List.of(), List.of(), true, 0, endOffsets);
            }
            consumer.assign(toRead);
            toRead.forEach(p -> consumer.seek(p, start.get(p)));
            Set<TopicPartition> open = new java.util.HashSet<>(toRead);
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() >= end.get(partition)) {
                        continue;
                    }
                    records++;
                    try {
                        ForwardedScope scope = InboxRecords.scope(record);
                        if (keep.test(scope, new long[] {record.partition(), record.offset()})) {
                            messages.add(InboxRecords.message(record));
                            scopes.add(scope);
                        }
                    } catch (IllegalArgumentException e) {
                        LOG.warn("cluster: skipped malformed inbox record {}-{}@{}: {}", record.topic(),
                                record.partition(), record.offset(), e.getMessage());
                    }
                }
                open.removeIf(p -> consumer.position(p) >= end.get(p));
            }
            return new ScopedResult(messages, scopes, open.isEmpty(), records, endOffsets);
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    }
}
