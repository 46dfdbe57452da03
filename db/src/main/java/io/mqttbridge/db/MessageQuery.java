package io.mqttbridge.db;

import io.mqttbridge.broker.spi.TopicFilters;
import java.time.Instant;

/**
 * Which messages to read from the history. All criteria are optional and combine with AND.
 * Results are ordered by (receivedAt, id), newest first unless {@link #order(Order)} says otherwise.
 */
public final class MessageQuery {

    public enum Order { NEWEST_FIRST, OLDEST_FIRST }

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1_000;

    private String topicFilter;
    private String clientId;
    private Instant from;
    private Instant to;
    private Integer qos;
    private Boolean retain;
    private Order order = Order.NEWEST_FIRST;
    private String afterCursor;
    private int limit = DEFAULT_LIMIT;

    public static MessageQuery all() {
        return new MessageQuery();
    }

    /**
     * An MQTT topic filter ({@code +} and {@code #} wildcards as in a subscription; as there,
     * filters starting with a wildcard do not match topics starting with {@code $}).
     *
     * @throws IllegalArgumentException for an invalid filter, saying what is wrong
     */
    public MessageQuery topicFilter(String filter) {
        if (filter != null) {
            String problem = TopicFilters.validateFilter(filter);
            if (problem != null) {
                throw new IllegalArgumentException("invalid topic filter '" + filter + "': " + problem);
            }
        }
        this.topicFilter = filter;
        return this;
    }

    public MessageQuery clientId(String value) {
        this.clientId = value;
        return this;
    }

    /** Received at or after {@code value}. */
    public MessageQuery from(Instant value) {
        this.from = value;
        return this;
    }

    /** Received before {@code value}. */
    public MessageQuery to(Instant value) {
        this.to = value;
        return this;
    }

    /** @throws IllegalArgumentException unless 0, 1, 2 or {@code null} */
    public MessageQuery qos(Integer value) {
        if (value != null && (value < 0 || value > 2)) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2, was " + value);
        }
        this.qos = value;
        return this;
    }

    public MessageQuery retain(Boolean value) {
        this.retain = value;
        return this;
    }

    public MessageQuery order(Order value) {
        this.order = value == null ? Order.NEWEST_FIRST : value;
        return this;
    }

    /** Continue after a page: the {@link Page#nextCursor()} of the previous page of the same query. */
    public MessageQuery after(String cursor) {
        this.afterCursor = cursor;
        return this;
    }

    /** @throws IllegalArgumentException unless between 1 and {@value #MAX_LIMIT} */
    public MessageQuery limit(int value) {
        if (value < 1 || value > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", was " + value);
        }
        this.limit = value;
        return this;
    }

    public String topicFilter() {
        return topicFilter;
    }

    public String clientId() {
        return clientId;
    }

    public Instant from() {
        return from;
    }

    public Instant to() {
        return to;
    }

    public Integer qos() {
        return qos;
    }

    public Boolean retain() {
        return retain;
    }

    public Order order() {
        return order;
    }

    public String afterCursor() {
        return afterCursor;
    }

    public int limit() {
        return limit;
    }
}
