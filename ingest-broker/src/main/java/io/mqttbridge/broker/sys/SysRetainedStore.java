package io.mqttbridge.broker.sys;

import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Retained messages with the {@code $SYS} tree kept apart, in memory: statistics are this node's
 * own and change every few seconds, so they stay out of the durable store (which the nodes of a
 * cluster share, and which would take a write per value). Every other topic goes to the durable
 * store unchanged.
 *
 * <p>A filter reaches the {@code $SYS} messages only when its first level is {@code $SYS} itself:
 * wildcards at the first level never match a topic that starts with {@code $} [MQTT-4.7.2-1], so
 * such a filter is answered from one of the two stores, never both.
 *
 * <p>Threading: as thread-safe as the durable store; the {@code $SYS} part is a concurrent map.
 */
public final class SysRetainedStore implements RetainedStore {

    private final RetainedStore durable;
    private final RetainedStore sys = new InMemoryRetainedStore();

    public SysRetainedStore(RetainedStore durable) {
        this.durable = durable;
    }

    @Override
    public CompletableFuture<Void> put(PublishedMessage message) {
        return storeOf(message.topic()).put(message);
    }

    @Override
    public CompletableFuture<List<PublishedMessage>> matching(String topicFilter) {
        return storeOf(topicFilter).matching(topicFilter);
    }

    @Override
    public CompletableFuture<List<PublishedMessage>> matchingPage(String topicFilter, String afterTopic, int limit) {
        return storeOf(topicFilter).matchingPage(topicFilter, afterTopic, limit);
    }

    /** The durable store's count: the {@code $SYS} values are not messages anyone published. */
    @Override
    public long size() {
        return durable.size();
    }

    private RetainedStore storeOf(String topicOrFilter) {
        return SysTopics.isSysTopic(topicOrFilter) ? sys : durable;
    }
}
