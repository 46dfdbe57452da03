package io.mqttbridge.db;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A registered device. Its id is also the MQTT user name it connects with.
 *
 * @param id unique, non-empty, at most 256 characters, no control or format characters, no whitespace at either end
 * @param displayName a human name, or {@code null}
 * @param enabled a disabled device cannot connect
 * @param metadata free-form JSON object (values are JSON types: strings, numbers, booleans, lists, maps)
 * @param createdAt when the device was created
 * @param updatedAt when any of its fields last changed
 */
public record Device(String id, String displayName, boolean enabled, Map<String, Object> metadata,
                     Instant createdAt, Instant updatedAt) {

    public static final int MAX_ID_LENGTH = 256;
    /** A label for people; a page of 1,000 devices stays small. */
    public static final int MAX_DISPLAY_NAME_LENGTH = 1024;

    public Device {
        Objects.requireNonNull(id, "id");
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
    }

    /** @throws IllegalArgumentException if {@code id} cannot be a device id */
    public static String checkId(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("device id must not be empty");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("device id longer than " + MAX_ID_LENGTH + " characters");
        }
        StorableText.check(id, "device id");
        // "pg-001 " beside "pg-001" is two devices no one can tell apart in a list, and a control
        // character cannot be typed or shown; neither is an id anyone means.
        if (blank(id.codePointAt(0)) || blank(id.codePointBefore(id.length()))) {
            throw new IllegalArgumentException("device id must not begin or end with whitespace");
        }
        id.codePoints().filter(Character::isISOControl).findFirst().ifPresent(control -> {
            throw new IllegalArgumentException(String.format(
                    "device id must not contain a control character (U+%04X)", control));
        });
        // Invisible format characters make look-alikes: "rtl\u202Egpj.exe" reads "rtlexe.jpg", and a
        // zero-width space makes a second "sensor-1".
        id.codePoints().filter(c -> Character.getType(c) == Character.FORMAT).findFirst().ifPresent(format -> {
            throw new IllegalArgumentException(String.format(
                    "device id must not contain an invisible format character (U+%04X)", format));
        });
        return id;
    }

    private static boolean blank(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
    }

    /** @throws IllegalArgumentException if {@code displayName} cannot be a device's display name ({@code null} can) */
    public static String checkDisplayName(String displayName) {
        if (displayName != null && displayName.length() > MAX_DISPLAY_NAME_LENGTH) {
            throw new IllegalArgumentException("displayName longer than " + MAX_DISPLAY_NAME_LENGTH + " characters");
        }
        StorableText.check(displayName, "displayName");
        return displayName;
    }
}
