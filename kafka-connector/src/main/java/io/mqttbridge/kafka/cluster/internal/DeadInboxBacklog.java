package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.TopicFilters;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a dead node's inbox held for its non-shared subscriptions, read once for every client that
 * resumes here ({@link DeadInboxCache}): the messages in the order they were read, indexed by topic,
 * so that one client's share is found through its own filters (a map lookup per exact filter, a
 * scan of the distinct topics per wildcard filter) instead of routing the whole backlog to it.
 *
 * <p>Threading: the recovery thread only.
 */
final class DeadInboxBacklog {

    /** A message with the inbox partition and offset it was read at. */
    private record ReadMessage(PublishedMessage message, int partition, long offset) {
    }

    private final List<ReadMessage> messages = new ArrayList<>();
    // Topic -> positions in messages, ascending.
    private final Map<String, List<Integer>> positionsByTopic = new HashMap<>();

    void add(PublishedMessage message, int partition, long offset) {
        positionsByTopic.computeIfAbsent(message.topic(), topic -> new ArrayList<>(1)).add(messages.size());
        messages.add(new ReadMessage(message, partition, offset));
    }

    int size() {
        return messages.size();
    }

    /**
     * The messages whose topic one of {@code topicFilters} matches, in the order they were read,
     * below {@code endOffsets} (partition -> offset): a record read past the end a client's claim
     * saw may have reached that client directly too.
     */
    List<PublishedMessage> matching(Collection<String> topicFilters, Map<Integer, Long> endOffsets) {
        BitSet matched = new BitSet(messages.size());
        for (String filter : topicFilters) {
            if (filter.indexOf('+') < 0 && filter.indexOf('#') < 0) {
                List<Integer> positions = positionsByTopic.get(filter);
                if (positions != null) {
                    positions.forEach(matched::set);
                }
                continue;
            }
            positionsByTopic.forEach((topic, positions) -> {
                if (TopicFilters.matches(filter, topic)) {
                    positions.forEach(matched::set);
                }
            });
        }
        List<PublishedMessage> result = new ArrayList<>(matched.cardinality());
        for (int i = matched.nextSetBit(0); i >= 0; i = matched.nextSetBit(i + 1)) {
            ReadMessage read = messages.get(i);
            if (read.offset() < endOffsets.getOrDefault(read.partition(), Long.MIN_VALUE)) {
                result.add(read.message());
            }
        }
        return result;
    }
}
