package io.mqttbridge.db;

import java.util.Optional;

/**
 * The retained messages every broker node of this database shares, for reading and clearing them by
 * hand. The broker itself stores them through {@code db.store.JdbiRetainedStore}. Messages whose
 * expiry passed are never returned.
 *
 * <p>Threading: thread-safe; every call runs its SQL on the caller's thread.
 */
public interface RetainedMessageRepository {

    int DEFAULT_LIMIT = 100;
    int MAX_LIMIT = 1000;

    /**
     * One page of the retained messages whose topic matches {@code topicFilter}, ordered by topic. A
     * page ends early when its payloads would pass the page's payload budget (at least one message
     * always comes with its payload).
     *
     * @param topicFilter a valid MQTT topic filter, or {@code null} for every topic
     * @param cursor the previous page's {@link Page#nextCursor()}, or {@code null} for the first page
     * @throws IllegalArgumentException for an invalid filter or cursor, or a limit out of 1..{@value #MAX_LIMIT}
     */
    Page<RetainedMessage> find(String topicFilter, String cursor, int limit);

    /** The retained message of exactly {@code topic}, unless there is none or it expired. */
    Optional<RetainedMessage> get(String topic);

    /** Deletes the retained message of {@code topic}. @return whether there was one */
    boolean delete(String topic);
}
