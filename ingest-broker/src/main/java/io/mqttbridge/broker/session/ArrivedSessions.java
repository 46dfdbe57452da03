package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.PublishedMessage;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions that moved to this node from another node of the cluster a short while ago. For a
 * while a message can reach such a session twice: directly (another node already sends this node
 * what the session's subscriptions match) and re-forwarded by the node it came from (which kept
 * its subscriptions to send on what reached it there). Both paths come through here, so each
 * message is handed to the session once.
 *
 * <p>A message is known by its publisher's client id, topic, receive time (in ms: the precision
 * that survives the hop), QoS and payload, the identity {@link RecoveredMessages} uses; two
 * messages equal in all of these within the window count as one. Thread-safe.
 */
public final class ArrivedSessions {

    private record Arrival(Session session, long untilMillis, Set<MessageKey> seen) {
    }

    private record MessageKey(String publisher, String topic, long receivedAtMillis, int qos, int payloadHash,
            int payloadLength) {
    }

    private final Map<String, Arrival> arrivals = new ConcurrentHashMap<>();

    /** {@code session} arrived from another node; watched for {@code windowMillis}. */
    void arrived(Session session, long windowMillis) {
        if (windowMillis > 0) {
            arrivals.put(session.clientId(), new Arrival(session, System.currentTimeMillis() + windowMillis,
                    ConcurrentHashMap.newKeySet()));
        }
    }

    /** The session of {@code clientId} if it arrived within its window, else null. */
    public Session session(String clientId) {
        Arrival arrival = current(clientId);
        return arrival == null ? null : arrival.session();
    }

    /** Whether any session is within its window: almost always false, and cheap. */
    public boolean any() {
        return !arrivals.isEmpty();
    }

    /** Whether {@code session} arrived within its window. */
    public boolean isArriving(Session session) {
        Arrival arrival = current(session.clientId());
        return arrival != null && arrival.session() == session;
    }

    private Arrival current(String clientId) {
        Arrival arrival = arrivals.get(clientId);
        if (arrival == null) {
            return null;
        }
        boolean gone = arrival.session().isEnded() && !arrival.session().forwardsElsewhere();
        if (gone || arrival.untilMillis() < System.currentTimeMillis()) {
            arrivals.remove(clientId, arrival);
            return null;
        }
        return arrival;
    }

    /** Records that {@code clientId} is handed {@code message}; false when it was handed it before. */
    public boolean firstTime(String clientId, PublishedMessage message) {
        Arrival arrival = arrivals.get(clientId);
        return arrival == null || arrival.seen().add(new MessageKey(message.clientId(), message.topic(),
                message.receivedAt() == null ? 0 : message.receivedAt().toEpochMilli(), message.qos(),
                Arrays.hashCode(message.payload()), message.payload().length));
    }
}
