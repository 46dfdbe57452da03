package io.mqttbridge.db.internal;

import java.time.Instant;
import java.util.UUID;

/**
 * The sort key of a device timeline's event, as an opaque cursor. Events of one instant are common
 * (a connect and its first subscribe), so the time alone would skip or repeat them between pages:
 * the event's rank in its instant, its connection and its subscription event id make the key unique.
 *
 * @param rank 0 connected, 1 a subscription change, 2 disconnected
 * @param eventId the subscription event's id; 0 for connects and disconnects
 */
record TimelineCursor(Instant at, int rank, UUID connectionId, long eventId) {

    String encode() {
        return Cursors.encodeTimeKey(at, rank + ":" + connectionId + ":" + eventId);
    }

    /** @throws IllegalArgumentException naming the cursor when it is not one {@link #encode} made */
    static TimelineCursor decode(String cursor) {
        Cursors.TimeKey key = Cursors.decodeTimeKey(cursor);
        String[] parts = key.key().split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("invalid cursor '" + cursor + "'");
        }
        try {
            return new TimelineCursor(key.time(), Integer.parseInt(parts[0]), UUID.fromString(parts[1]),
                    Long.parseLong(parts[2]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid cursor '" + cursor + "'");
        }
    }
}
