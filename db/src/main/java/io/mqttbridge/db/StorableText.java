package io.mqttbridge.db;

import java.util.List;
import java.util.Map;

/**
 * Text that PostgreSQL stores as it was given. Two kinds of Java string are not: one holding U+0000,
 * which neither {@code text} nor {@code jsonb} can hold (the statement fails), and one holding a
 * UTF-16 surrogate without its pair, which the driver encodes as {@code '?'} (the statement
 * succeeds, with other text than was asked for). Both reach us only from JSON escapes such as
 * {@code "\u0000"} and {@code "\ud800"}: MQTT's strings can hold neither ([MQTT-1.5.4-1] and [MQTT-1.5.4-2] in 5.0).
 */
public final class StorableText {

    private StorableText() {
    }

    /** @return {@code null} if PostgreSQL stores {@code text} unchanged, else what is wrong with it */
    public static String problem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return "must not contain U+0000";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return String.format("must not contain an unpaired UTF-16 surrogate (\\u%04x)", (int) c);
            }
        }
        return null;
    }

    /**
     * Checks every key, string and number of a JSON value as Jackson reads it (maps, lists, strings, numbers,
     * booleans, null), at any depth.
     *
     * @param where the value's name in messages, e.g. {@code metadata}
     * @throws IllegalArgumentException naming the key or element, e.g. {@code metadata.site[2] must not contain U+0000}
     */
    public static void checkJson(Object value, String where) {
        if (value instanceof String text) {
            check(text, where);
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String key = String.valueOf(entry.getKey());
                String problem = problem(key);
                if (problem != null) {
                    throw new IllegalArgumentException("a key of " + where + " " + problem);
                }
                checkJson(entry.getValue(), where + "." + key);
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                checkJson(list.get(i), where + "[" + i + "]");
            }
        } else if (value instanceof Double number && !Double.isFinite(number)) {
            // JSON has no infinity: 1e999999 was read as one and stored as the text "Infinity".
            throw new IllegalArgumentException(where + " is a number past what a double holds (about 1.8e308)");
        }
    }

    /** @throws IllegalArgumentException {@code "<where> <problem>"} if {@code text} is not storable */
    public static void check(String text, String where) {
        String problem = text == null ? null : problem(text);
        if (problem != null) {
            throw new IllegalArgumentException(where + " " + problem);
        }
    }
}
