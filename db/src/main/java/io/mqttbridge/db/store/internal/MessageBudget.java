package io.mqttbridge.db.store.internal;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * How much queued messages' content one load of the session store may still read (a start-up: the
 * heap bound of the broker's queues less what they hold). Once a message does not fit, every later
 * queued message of the load is left in the store, even a smaller one: a session's messages left
 * there then all come after those read, as the broker's queue needs them. A stored message that
 * several sessions refer to is read once, so it counts once.
 *
 * <p>Threading: one load at a time (the store's reader thread); not thread-safe.
 */
public final class MessageBudget {

    private long left;
    private boolean exhausted;
    private final Set<ByteBuffer> counted = new HashSet<>();

    private MessageBudget(long bytes) {
        this.left = bytes;
    }

    /** A budget of {@code bytes}; {@link Long#MAX_VALUE}: read everything. */
    public static MessageBudget of(long bytes) {
        return new MessageBudget(bytes);
    }

    /** Whether nothing is ever left in the store. */
    boolean unlimited() {
        return left == Long.MAX_VALUE;
    }

    /**
     * Whether the message of {@code bytes} is read (and counted against the budget), or left in the
     * store: no once one was left.
     *
     * @param digest the stored message the row refers to, or {@code null} when the row holds its own
     */
    boolean take(long bytes, byte[] digest) {
        if (exhausted) {
            return false;
        }
        if (digest != null && counted.contains(ByteBuffer.wrap(digest))) {
            return true;
        }
        if (bytes > left) {
            exhausted = true;
            return false;
        }
        left -= bytes;
        if (digest != null) {
            counted.add(ByteBuffer.wrap(digest.clone()));
        }
        return true;
    }
}
