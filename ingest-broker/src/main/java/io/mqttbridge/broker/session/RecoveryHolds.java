package io.mqttbridge.broker.session;

import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.PublishedMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A dead node's backlog before the live messages for a session recovered from it. A session taken
 * over from a node that died is a routing target from the moment its subscriptions are restored
 * here (in this node's topic tree, and its routes sent to the other nodes), but what the dead
 * node's inbox held for it, older, is read and handed to it only after that: the live messages of
 * that moment used to be queued first, and the client got the whole backlog after newer messages of
 * the same publishers [MQTT-4.6.0-5]. From before the subscriptions are restored until the recovery
 * is over, the messages routed to such a session wait here, with their publishers' acknowledgements
 * and inbox commits (nothing is acknowledged that is not queued and stored); the recovered ones go
 * past ({@link #deliverRecovered}), and then the waiting ones follow in their order. The recovery
 * leaves out the recovered messages that are waiting here too ({@link #waiting}): a message
 * published after the dead node's routes and the session's new ones were both known reaches both.
 *
 * <p>Only sessions recovered from a dead node wait: the others never ask more than {@link #anyOpen}.
 * Bounded: past {@value #MAX_WAITING} messages of one session, or {@value #BOUND_MILLIS} ms (a
 * recovery that never ends, as at a stop), they go on in their order, ahead of the rest of the
 * backlog (logged).
 *
 * <p>Threading: the map of holds is concurrent, {@link #open} from any thread; what waits is touched
 * only in the session's tasks.
 */
public final class RecoveryHolds {

    private static final Logger LOG = LoggerFactory.getLogger(RecoveryHolds.class);
    static final int MAX_WAITING = 10_000;
    static final long BOUND_MILLIS = 60_000;

    /** One recovery's hold of a session: closed with {@link #close}. */
    static final class Hold {
        private Hold() {
        }
    }

    private static final class Held {
        // The recoveries of the session under way (two CONNECTs of one client may each recover it):
        // changed only inside the map's compute.
        final List<Hold> open = new ArrayList<>(1);
        final List<RetainedGates.Waiting> waiting = new ArrayList<>();
    }

    private final ConcurrentHashMap<Session, Held> holds = new ConcurrentHashMap<>();

    /**
     * From any thread, before {@code session} can be a routing target for its recovery (its
     * subscriptions restored): what is routed to it waits until {@link #close}.
     */
    Hold open(Session session) {
        Hold hold = new Hold();
        holds.compute(session, (key, held) -> {
            Held current = held == null ? new Held() : held;
            current.open.add(hold);
            return current;
        });
        session.executeLater(() -> close(session, hold), BOUND_MILLIS);
        return hold;
    }

    /** Whether any session waits for its recovery now: else no delivery needs to ask (no allocation). */
    boolean anyOpen() {
        return !holds.isEmpty();
    }

    /** In the session's delivery task: whether {@code delivery} waits (it is then delivered at {@link #close}). */
    boolean holds(Session session, RetainedGates.Waiting delivery) {
        Held held = holds.get(session);
        if (held == null) {
            return false;
        }
        held.waiting.add(delivery);
        if (held.waiting.size() >= MAX_WAITING && holds.remove(session, held)) {
            LOG.warn("{} messages for {} waited for its recovery from a dead node; they go on before the rest of"
                    + " its backlog", held.waiting.size(), session.clientId());
            release(session, held);
        }
        return true;
    }

    /** In a session task: the messages routed to {@code session} that wait for its recovery, in their order. */
    public List<PublishedMessage> waiting(Session session) {
        Held held = holds.get(session);
        if (held == null) {
            return List.of();
        }
        List<PublishedMessage> messages = new ArrayList<>(held.waiting.size());
        held.waiting.forEach(waiting -> messages.add(waiting.message().message()));
        return messages;
    }

    /**
     * From any thread: queues a message recovered from a dead node's inbox for {@code session} past
     * its hold, ahead of what waits there (as a routed message is delivered; no publisher waits for it).
     */
    public static void deliverRecovered(Session session, RoutedMessage message, int qos, boolean retain,
                                        int[] subscriptionIds, CompletableFuture<Void> stored) {
        session.execute(() -> SessionDelivery.pastRecoveryHold(session,
                new RetainedGates.Waiting(message, qos, retain, subscriptionIds, null, stored, null)));
    }

    /**
     * In a session task: the recovery of {@code hold} is over (its recovered messages queued); once
     * no other recovery of the session is under way, what waited goes on, in its order. Once only.
     */
    void close(Session session, Hold hold) {
        Held[] released = new Held[1];
        holds.computeIfPresent(session, (key, held) -> {
            if (held.open.remove(hold) && held.open.isEmpty()) {
                released[0] = held;
                return null;
            }
            return held;
        });
        if (released[0] != null) {
            release(session, released[0]);
        }
    }

    private static void release(Session session, Held held) {
        held.waiting.forEach(waiting -> SessionDelivery.pastRecoveryHold(session, waiting));
    }
}
