package io.mqttbridge.api.resources.model;

import io.mqttbridge.db.Page;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a listing.
 *
 * @param nextCursor pass it as {@code cursor} to get the next page; {@code null} on the last page
 */
public record PageResponse<T>(List<T> items, String nextCursor) {

    public static <S, T> PageResponse<T> of(Page<S> page, Function<S, T> view) {
        return new PageResponse<>(page.items().stream().map(view).toList(), page.nextCursor());
    }
}
