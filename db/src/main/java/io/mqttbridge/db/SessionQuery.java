package io.mqttbridge.db;

import java.time.Instant;

/**
 * Which sessions to list. All criteria are optional and combine with AND; sessions come newest
 * connection first. Sessions whose {@code connected} event was never seen are not listed.
 */
public final class SessionQuery {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1_000;

    private String clientId;
    private String username;
    private String deviceId;
    private String nodeId;
    private boolean connectedOnly;
    private Instant from;
    private Instant to;
    private String afterCursor;
    private int limit = DEFAULT_LIMIT;

    public static SessionQuery all() {
        return new SessionQuery();
    }

    public SessionQuery clientId(String value) {
        this.clientId = value;
        return this;
    }

    public SessionQuery username(String value) {
        this.username = value;
        return this;
    }

    public SessionQuery deviceId(String value) {
        this.deviceId = value;
        return this;
    }

    public SessionQuery nodeId(String value) {
        this.nodeId = value;
        return this;
    }

    /** Only sessions that are connected now. */
    public SessionQuery connectedOnly(boolean value) {
        this.connectedOnly = value;
        return this;
    }

    /**
     * Sessions that were connected at some moment of [{@code from}, {@code to}); either bound may
     * be {@code null} (open).
     *
     * @throws IllegalArgumentException if {@code from} is not before {@code to}
     */
    public SessionQuery between(Instant from, Instant to) {
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("from (" + from + ") must be before to (" + to + ")");
        }
        this.from = from;
        this.to = to;
        return this;
    }

    public SessionQuery after(String cursor) {
        this.afterCursor = cursor;
        return this;
    }

    /** @throws IllegalArgumentException unless between 1 and {@value #MAX_LIMIT} */
    public SessionQuery limit(int value) {
        if (value < 1 || value > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", was " + value);
        }
        this.limit = value;
        return this;
    }

    public String clientId() {
        return clientId;
    }

    public String username() {
        return username;
    }

    public String deviceId() {
        return deviceId;
    }

    public String nodeId() {
        return nodeId;
    }

    public boolean connectedOnly() {
        return connectedOnly;
    }

    public Instant from() {
        return from;
    }

    public Instant to() {
        return to;
    }

    public String afterCursor() {
        return afterCursor;
    }

    public int limit() {
        return limit;
    }
}
