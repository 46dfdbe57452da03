package io.mqttbridge.db.store.internal;

import java.util.List;
import org.jdbi.v3.core.argument.Argument;

/**
 * A {@code text[]} statement argument the driver sends in PostgreSQL's binary array format.
 *
 * <p>Jdbi's {@code bindArray} goes through the driver's text form of an array: every element is
 * quoted and escaped in Java and then read back character by character by the server's
 * {@code array_in}, which for a row's message JSON of 10 KB cost the server more than parsing the JSON
 * itself. In binary form each element travels as its length and its bytes.
 */
final class BinaryTextArray {
    private BinaryTextArray() {}

    /** {@code values} as one {@code text[]} argument; null elements stay SQL nulls. */
    static Argument of(List<String> values) {
        String[] elements = values.toArray(String[]::new);
        return (position, statement, context) ->
                statement.setArray(position, statement.getConnection().createArrayOf("text", elements));
    }
}
