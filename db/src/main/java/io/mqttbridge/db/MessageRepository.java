package io.mqttbridge.db;

/**
 * Read access to the message history.
 *
 * <p>Pagination is keyset pagination on (receivedAt, id): a page never repeats or skips a row that
 * was visible when the previous page was read, however many rows arrive meanwhile. Topic filters
 * are MQTT filters, translated to bound SQL parameters (never concatenated into SQL).
 *
 * <p>Threading: thread-safe; blocks on JDBC. Invalid arguments (bad filter, bad cursor) throw
 * {@link IllegalArgumentException} with the reason.
 */
public interface MessageRepository {

    Page<StoredMessage> find(MessageQuery query);

    /**
     * One page of the newest message of each topic that {@code topicFilter} matches ({@code null}:
     * every topic), ordered by topic, at most {@code limit} topics.
     *
     * @param cursor the previous page's {@link Page#nextCursor()}, or {@code null} for the first page
     */
    Page<StoredMessage> latestPerTopic(String topicFilter, String cursor, int limit);

    /**
     * One page of the topics that {@code topicFilter} matches ({@code null}: every topic), ordered by
     * topic, with message counts and the time of their newest message, at most {@code limit} topics.
     *
     * @param cursor the previous page's {@link Page#nextCursor()}, or {@code null} for the first page
     */
    Page<TopicSummary> topics(String topicFilter, String cursor, int limit);
}
