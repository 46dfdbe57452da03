package io.mqttbridge.db;

import java.time.Instant;
import java.util.Objects;

/**
 * Which page of a device's timeline to read.
 *
 * @param from inclusive, or {@code null} for no lower bound
 * @param to exclusive, or {@code null} for no upper bound
 * @param newestFirst {@code true}: the most recent events first, so a device's latest connections
 *     are on the first page however long its history is
 * @param afterCursor the previous page's {@link Page#nextCursor()} (of the same order), or {@code null}
 */
public record TimelineQuery(String deviceId, Instant from, Instant to, boolean newestFirst, String afterCursor,
                            int limit) {

    /** @throws IllegalArgumentException if {@code limit} is below 1 */
    public TimelineQuery {
        Objects.requireNonNull(deviceId, "deviceId");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
    }

    /** The first {@code limit} events of the device's whole history, oldest first. */
    public static TimelineQuery oldestFirst(String deviceId, int limit) {
        return new TimelineQuery(deviceId, null, null, false, null, limit);
    }
}
