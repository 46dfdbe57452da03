package io.mqttbridge.db.internal;

import io.mqttbridge.db.Page;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A page of rows with payloads that carries at most {@code :budget} bytes of them: the page's own
 * query is wrapped, unchanged (and so is its plan), and around it the payload bytes of the rows before
 * each row decide whether that row is within the budget. {@code octet_length} reads a stored payload's
 * size without fetching it, and a payload beyond the budget is never read from its table.
 */
final class PayloadBudget {

    /** A row, and whether the payloads before it leave room for it in the budget. */
    record Row<T>(T item, boolean withinBudget) {
    }

    private PayloadBudget() {
    }

    /**
     * @param rows the page's query: selects {@code columns}, {@code payload} and {@code payload_size}
     *     (the payload's {@code octet_length}), ordered by {@code order}
     * @param columns the other columns the outer query selects from it
     * @return {@code rows} with {@code payload} null past the budget and a boolean {@code within_budget}
     */
    static String around(String rows, String columns, String order) {
        return "SELECT " + columns + ", CASE WHEN within_budget THEN payload END AS payload, within_budget"
                + " FROM (SELECT p.*, coalesce(sum(p.payload_size) OVER (" + order
                + " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) < :budget AS within_budget"
                + " FROM (" + rows + ") p) budgeted" + order;
    }

    /**
     * The page of {@code rows} (read with {@code limit + 1}): it ends at {@code limit} rows or at the
     * first row past the budget, the first row always included.
     *
     * @param cursorOf the cursor after a row, for the next page
     */
    static <T> Page<T> page(List<Row<T>> rows, int limit, Function<T, String> cursorOf) {
        List<T> items = new ArrayList<>(Math.min(rows.size(), limit));
        for (Row<T> row : rows) {
            if (items.size() == limit || !row.withinBudget()) {
                return new Page<>(items, cursorOf.apply(items.get(items.size() - 1)));
            }
            items.add(row.item());
        }
        return new Page<>(items, null);
    }
}
