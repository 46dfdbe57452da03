package io.mqttbridge.db;

/**
 * Which devices to list. All criteria are optional and combine with AND; devices come ordered by id.
 */
public final class DeviceQuery {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1_000;

    private String search;
    private Boolean enabled;
    private String afterCursor;
    private int limit = DEFAULT_LIMIT;

    public static DeviceQuery all() {
        return new DeviceQuery();
    }

    /** Case-insensitive substring of the id or the display name. */
    public DeviceQuery search(String text) {
        this.search = text == null || text.isEmpty() ? null : text;
        return this;
    }

    /** Only enabled ({@code true}) or only disabled ({@code false}) devices; {@code null} for both. */
    public DeviceQuery enabled(Boolean value) {
        this.enabled = value;
        return this;
    }

    /** Continue after a page: the {@link Page#nextCursor()} of the previous page. */
    public DeviceQuery after(String cursor) {
        this.afterCursor = cursor;
        return this;
    }

    /** @throws IllegalArgumentException unless between 1 and {@value #MAX_LIMIT} */
    public DeviceQuery limit(int value) {
        if (value < 1 || value > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", was " + value);
        }
        this.limit = value;
        return this;
    }

    public String search() {
        return search;
    }

    public Boolean enabled() {
        return enabled;
    }

    public String afterCursor() {
        return afterCursor;
    }

    public int limit() {
        return limit;
    }
}
