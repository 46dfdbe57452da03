package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The messages one read of the session store has decoded so far, so that a message queued for many
 * sessions is one object after a restart, as it was one before. Each session's row holds its own
 * copy of the message; without this, a fleet of offline sessions subscribed to one topic came back
 * with a copy of every message per session: a thousand sessions holding 1 MB of shared messages took
 * 1 GB, more than the heap that had held them, and the node could no longer start.
 *
 * <p>Two decoded messages are shared when every field is equal, byte arrays (payload, correlation
 * data) compared by content: such messages cannot be told apart, and a {@link PublishedMessage} is
 * never changed once made.
 *
 * <p>Threading: one read at a time (the store's reader thread); not thread-safe.
 */
public final class SharedMessages {

    private final Map<Key, PublishedMessage> byKey = new HashMap<>();

    /** The message already read that equals {@code decoded}, or {@code decoded}, kept for later rows. */
    public PublishedMessage share(PublishedMessage decoded) {
        Key key = new Key(decoded.topic(), decoded.clientId(), decoded.receivedAt(), decoded.payload().length,
                Arrays.hashCode(decoded.payload()));
        PublishedMessage earlier = byKey.putIfAbsent(key, decoded);
        if (earlier == null) {
            return decoded;
        }
        // A different message with the same key (a hash collision of equal-length payloads) is kept
        // apart: correct, only not shared.
        return sameContent(earlier, decoded) ? earlier : decoded;
    }

    /** How many distinct messages were kept. */
    public int size() {
        return byKey.size();
    }

    private static boolean sameContent(PublishedMessage a, PublishedMessage b) {
        return a.qos() == b.qos()
                && a.retain() == b.retain()
                && a.topic().equals(b.topic())
                && Objects.equals(a.clientId(), b.clientId())
                && Objects.equals(a.username(), b.username())
                && a.protocolVersion() == b.protocolVersion()
                && a.receivedAt().equals(b.receivedAt())
                && Arrays.equals(a.payload(), b.payload())
                && sameContent(a.properties(), b.properties());
    }

    private static boolean sameContent(MessageProperties a, MessageProperties b) {
        return Objects.equals(a.payloadFormatIndicator(), b.payloadFormatIndicator())
                && Objects.equals(a.messageExpiryIntervalSeconds(), b.messageExpiryIntervalSeconds())
                && Objects.equals(a.contentType(), b.contentType())
                && Objects.equals(a.responseTopic(), b.responseTopic())
                && Arrays.equals(a.correlationData(), b.correlationData())
                && a.userProperties().equals(b.userProperties());
    }

    /* What tells most messages apart cheaply; sameContent decides. */
    private record Key(String topic, String clientId, Instant receivedAt, int payloadLength, int payloadHash) {
    }
}
