package io.mqttbridge.broker.retained;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RetainedStore} that keeps count of what it holds, in messages and bytes, in all and per
 * publishing client, so that the broker can refuse a retained message over the limits before it is
 * stored ({@link #admits}). Every message goes through {@link #put} as before; the counts follow
 * (a replaced topic's old message is taken off its client's account, an empty payload clears it).
 *
 * <p>What the counts cover: the retained messages stored through this object since the broker
 * started; messages already in a durable store at start are not counted until they are replaced.
 * A limit of 0 is off.
 *
 * <p>Threading: thread-safe; the bookkeeping is synchronized, and only retained publishes pay for it.
 */
public final class RetainedQuota implements RetainedStore {

    /** Limits in messages and bytes; 0 = no limit. */
    public record Limits(long maxMessages, long maxBytes, long maxMessagesPerClient, long maxBytesPerClient) {
    }

    private record Held(String clientId, long bytes) {
    }

    private final RetainedStore store;
    private final Limits limits;
    private final Map<String, Held> byTopic = new HashMap<>();
    private final Map<String, long[]> byClient = new HashMap<>();
    private long messages;
    private long bytes;

    public RetainedQuota(RetainedStore store, Limits limits) {
        this.store = store;
        this.limits = limits;
    }

    /** Whether storing {@code message} as retained stays within every limit; always for a removal. */
    public synchronized boolean admits(PublishedMessage message) {
        if (message.payload().length == 0) {
            return true;
        }
        long size = sizeOf(message);
        Held previous = byTopic.get(message.topic());
        long newMessages = messages + (previous == null ? 1 : 0);
        long newBytes = bytes + size - (previous == null ? 0 : previous.bytes());
        long[] client = byClient.getOrDefault(clientKey(message), new long[2]);
        boolean sameClient = previous != null && previous.clientId().equals(clientKey(message));
        long clientMessages = client[0] + (sameClient ? 0 : 1);
        long clientBytes = client[1] + size - (sameClient ? previous.bytes() : 0);
        return within(newMessages, limits.maxMessages()) && within(newBytes, limits.maxBytes())
                && within(clientMessages, limits.maxMessagesPerClient()) && within(clientBytes, limits.maxBytesPerClient());
    }

    @Override
    public CompletableFuture<Void> put(PublishedMessage message) {
        record(message);
        return store.put(message);
    }

    @Override
    public CompletableFuture<List<PublishedMessage>> matching(String topicFilter) {
        return store.matching(topicFilter);
    }

    @Override
    public CompletableFuture<List<PublishedMessage>> matchingPage(String topicFilter, String afterTopic, int limit) {
        return store.matchingPage(topicFilter, afterTopic, limit);
    }

    @Override
    public long size() {
        return store.size();
    }

    private synchronized void record(PublishedMessage message) {
        Held previous = byTopic.remove(message.topic());
        if (previous != null) {
            messages--;
            bytes -= previous.bytes();
            long[] client = byClient.get(previous.clientId());
            client[0]--;
            client[1] -= previous.bytes();
            if (client[0] <= 0) {
                byClient.remove(previous.clientId());
            }
        }
        if (message.payload().length == 0) {
            return;
        }
        long size = sizeOf(message);
        String clientId = clientKey(message);
        byTopic.put(message.topic(), new Held(clientId, size));
        messages++;
        bytes += size;
        long[] client = byClient.computeIfAbsent(clientId, c -> new long[2]);
        client[0]++;
        client[1] += size;
    }

    private static boolean within(long value, long limit) {
        return limit <= 0 || value <= limit;
    }

    private static long sizeOf(PublishedMessage message) {
        return message.payload().length + 2L * message.topic().length();
    }

    private static String clientKey(PublishedMessage message) {
        return message.clientId() == null ? "" : message.clientId();
    }
}
