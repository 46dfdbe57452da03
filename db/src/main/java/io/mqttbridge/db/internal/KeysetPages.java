package io.mqttbridge.db.internal;

import io.mqttbridge.db.Page;

import java.util.List;
import java.util.function.Function;

/**
 * A page cut from rows read with {@code limit + 1}: the extra row says there is more, without a
 * count over the whole listing, and the cursor is the sort key of the page's last row.
 */
final class KeysetPages {

    private KeysetPages() {
    }

    static <T> Page<T> of(List<T> rows, int limit, Function<T, String> cursorOf) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<T> page = rows.subList(0, limit);
        return new Page<>(page, cursorOf.apply(page.get(limit - 1)));
    }
}
