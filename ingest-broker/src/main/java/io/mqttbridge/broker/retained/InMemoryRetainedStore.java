package io.mqttbridge.broker.retained;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;
import io.mqttbridge.broker.spi.TopicFilters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Retained messages in a concurrent map, lost on restart. {@link #matching} scans every retained
 * topic, which is fine for thousands of retained topics; it completes synchronously.
 */
public final class InMemoryRetainedStore implements RetainedStore {

    private final ConcurrentHashMap<String, PublishedMessage> byTopic = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Void> put(PublishedMessage message) {
        if (message.payload().length == 0) {
            byTopic.remove(message.topic());
        } else {
            byTopic.put(message.topic(), message);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<List<PublishedMessage>> matching(String topicFilter) {
        List<PublishedMessage> result = new ArrayList<>();
        if (!TopicFilters.isWildcardFilter(topicFilter)) {
            PublishedMessage exact = byTopic.get(topicFilter);
            if (exact != null) {
                result.add(exact);
            }
        } else {
            for (PublishedMessage message : byTopic.values()) {
                if (TopicFilters.matches(topicFilter, message.topic())) {
                    result.add(message);
                }
            }
        }
        return CompletableFuture.completedFuture(result);
    }

    @Override
    public long size() {
        return byTopic.size();
    }
}
