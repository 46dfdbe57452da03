package io.mqttbridge.db;

import java.util.List;

/**
 * One page of a listing.
 *
 * @param items the rows of this page, in the query's order
 * @param nextCursor pass it back to get the next page; {@code null} when this is the last page
 */
public record Page<T>(List<T> items, String nextCursor) {

    public Page {
        items = List.copyOf(items);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
