package io.mqttbridge.broker.session;

import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The prepared form of stored messages while many sessions are restored together (at start-up):
 * one {@link RoutedMessage} per stored message object. The session store reads a message queued for
 * many sessions as one object; preparing it once keeps one payload buffer for all of them, counted
 * once in {@link QueuedMemory}, as it was before the stop.
 *
 * One instance serves one start-up, across the pages it restores.
 *
 * <p>Threading: thread-safe; the sessions are restored on their own executors at the same time.
 */
public final class RestoredMessages {

    private final Map<Identity, RoutedMessage> prepared = new ConcurrentHashMap<>();

    /** {@code message} prepared for delivery, the same object for every session that holds it. */
    RoutedMessage of(PublishedMessage message) {
        return prepared.computeIfAbsent(new Identity(message), identity -> RoutedMessage.of(identity.message()));
    }

    /* A stored message by identity: equal-looking messages read apart are the store's to share. */
    private record Identity(PublishedMessage message) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Identity identity && identity.message == message;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(message);
        }
    }
}
