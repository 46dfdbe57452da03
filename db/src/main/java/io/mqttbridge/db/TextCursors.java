package io.mqttbridge.db;

import io.mqttbridge.db.internal.Cursors;

/**
 * The opaque cursors of listings sorted by a text key, for listings that are not read from the
 * database (the broker's live state), so that every page of the REST API continues the same way.
 */
public final class TextCursors {

    private TextCursors() {
    }

    /** The cursor of a page whose last item has {@code key}. */
    public static String after(String key) {
        return Cursors.encodeText(key);
    }

    /** @throws IllegalArgumentException naming the cursor when it is not one {@link #after} made */
    public static String keyOf(String cursor) {
        return Cursors.decodeText(cursor);
    }
}
