package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Messages recovered from a dead node's inbox for a session that moved here, minus those the
 * session already has. The session store keeps no cluster message id, so a message is recognised
 * by what the origin node fixed once for it: publisher client id, topic, receive time (the inbox
 * record's timestamp, to the millisecond) and payload. Counted, not just seen: two equal messages
 * in the inbox and one in the session leave one to deliver.
 */
public final class RecoveredMessages {

    private RecoveredMessages() {
    }

    private record Fingerprint(String clientId, String topic, long receivedAtMillis, ByteBuffer payload) {
        static Fingerprint of(PublishedMessage message) {
            return new Fingerprint(message.clientId(), message.topic(), message.receivedAt().toEpochMilli(),
                    ByteBuffer.wrap(message.payload()));
        }
    }

    /** {@code recovered} in order, without the ones {@code pending} (the session's messages) already holds. */
    public static List<PublishedMessage> notIn(List<PendingMessage> pending, List<PublishedMessage> recovered) {
        return notIn(pending, List.of(), recovered);
    }

    /**
     * {@code recovered} in order, without the ones {@code pending} (the session's messages) already
     * holds and those {@code waiting} (routed to the session, to follow the recovered ones) brings.
     */
    public static List<PublishedMessage> notIn(List<PendingMessage> pending, List<PublishedMessage> waiting,
                                               List<PublishedMessage> recovered) {
        Map<Fingerprint, Integer> held = new HashMap<>();
        for (PendingMessage message : pending) {
            held.merge(Fingerprint.of(message.message()), 1, Integer::sum);
        }
        for (PublishedMessage message : waiting) {
            held.merge(Fingerprint.of(message), 1, Integer::sum);
        }
        List<PublishedMessage> missing = new ArrayList<>(recovered.size());
        for (PublishedMessage message : recovered) {
            Fingerprint fingerprint = Fingerprint.of(Objects.requireNonNull(message));
            Integer count = held.get(fingerprint);
            if (count == null) {
                missing.add(message);
            } else if (count == 1) {
                held.remove(fingerprint);
            } else {
                held.put(fingerprint, count - 1);
            }
        }
        return missing;
    }
}
