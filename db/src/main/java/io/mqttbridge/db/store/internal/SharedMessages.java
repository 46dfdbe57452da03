package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.PublishedMessage;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The messages one read of the session store has decoded so far, by digest (a stored message's key,
 * or the digest of the text of a row that holds its message itself), so that a message queued for
 * many sessions is read and decoded once and is one object in all of them after a restart, as it
 * was one before. Without this a fleet of offline sessions subscribed to one topic
 * came back with a copy of every message per session: a thousand sessions holding 1 MB of shared
 * messages took 1 GB, more than the heap that had held them, and the node could no longer start.
 *
 * <p>Threading: one read at a time (the store's reader thread); not thread-safe.
 */
public final class SharedMessages {

    private final Map<ByteBuffer, PublishedMessage> byDigest = new HashMap<>();

    /** The message read before with this digest, or {@code null}. */
    public PublishedMessage get(byte[] digest) {
        return byDigest.get(ByteBuffer.wrap(digest));
    }

    /** Keeps {@code message}, read with {@code digest}, for later rows. */
    public void put(byte[] digest, PublishedMessage message) {
        byDigest.put(ByteBuffer.wrap(digest.clone()), message);
    }

    /** How many distinct messages were kept (one kept under two digests counts once). */
    public int size() {
        Set<PublishedMessage> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        distinct.addAll(byDigest.values());
        return distinct.size();
    }
}
