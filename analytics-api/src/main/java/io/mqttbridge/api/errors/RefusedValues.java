package io.mqttbridge.api.errors;

import com.fasterxml.jackson.databind.exc.ValueInstantiationException;

import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * A body's object whose constructor refused its values, said in the body's words. Jackson's own
 * message ({@code Cannot construct instance of `io.mqttbridge.broker.spi.UserProperty`, problem: name})
 * names a Java class and not where the object is in the body.
 */
final class RefusedValues {

    private RefusedValues() {
    }

    /**
     * @param where the object's place in the body, e.g. {@code userProperties[0]}; empty for the body
     *     itself
     */
    static Problem problem(ValueInstantiationException refused, String where) {
        Throwable cause = refused.getCause();
        Class<?> type = refused.getType().getRawClass();
        // Objects.requireNonNull(value, "name") in a constructor: the message is the missing field.
        if (cause instanceof NullPointerException missing && missing.getMessage() != null
                && hasField(type, missing.getMessage())) {
            return Problem.of(400, "missing-field", "Missing field",
                    (where.isEmpty() ? "" : where + ".") + missing.getMessage() + " is required");
        }
        String reason = cause == null || cause.getMessage() == null ? "is not valid"
                : "is not valid: " + cause.getMessage();
        return Problem.of(400, "invalid-field", "Invalid field", (where.isEmpty() ? "the body" : where) + " " + reason);
    }

    private static boolean hasField(Class<?> type, String name) {
        Stream<String> names = type.isRecord()
                ? Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                : Arrays.stream(type.getDeclaredFields()).map(Field::getName);
        return names.anyMatch(name::equals);
    }
}
