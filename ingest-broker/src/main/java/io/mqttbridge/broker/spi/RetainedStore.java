package io.mqttbridge.broker.spi;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where retained messages live: at most one per topic name.
 *
 * <p>Threading: called on connection event loops and on the caller's thread of
 * {@link MessagePublisher#publish}; must not block. Futures may complete on any thread; the broker
 * hops back to the right event loop. Implementations must be thread-safe.
 *
 * <p>Errors: a future that completes exceptionally is logged; a failed {@link #matching} sends no
 * retained messages for that subscription, a failed {@link #put} leaves the previous state.
 */
public interface RetainedStore {

    /**
     * Stores {@code message} as the retained message of its topic, replacing any earlier one; a
     * message with an empty payload removes the topic's retained message instead [MQTT-3.3.1-10/11].
     */
    CompletableFuture<Void> put(PublishedMessage message);

    /** Every retained message whose topic the (valid, non-shared) {@code topicFilter} matches. */
    CompletableFuture<List<PublishedMessage>> matching(String topicFilter);

    /**
     * One page of {@link #matching}: at most {@code limit} messages whose topic sorts after
     * {@code afterTopic} ({@code null}: from the first), in the store's topic order, so that a
     * subscriber to a wide filter gets retained messages page by page instead of all at once. The
     * order must be the same for every call of one store (the broker passes the last topic of a page
     * as the next {@code afterTopic}). The default pages over {@link #matching} in
     * {@link String#compareTo} order; stores that can read a page alone should.
     */
    default CompletableFuture<List<PublishedMessage>> matchingPage(String topicFilter, String afterTopic, int limit) {
        return matching(topicFilter).thenApply(all -> all.stream()
                .filter(message -> afterTopic == null || message.topic().compareTo(afterTopic) > 0)
                .sorted(java.util.Comparator.comparing(PublishedMessage::topic))
                .limit(limit)
                .toList());
    }

    /** How many retained messages are stored (for a gauge; may be approximate). */
    long size();
}
