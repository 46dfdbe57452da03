package io.mqttbridge.broker.session;

import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.TopicFilters;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Retained messages before live ones for a new subscription. From the moment a subscription that is
 * to be sent retained messages goes into the topic tree until the last page of them is queued, the
 * live messages routed to the session on topics it matches wait here: the store is read after the
 * SUBACK, and a live message published meanwhile used to reach the client before the older retained
 * one, which then arrived as the topic's last value [MQTT-4.6.0-5], or twice, live and as the
 * retained copy the read already found. A retained message that is one of those waiting is now left
 * out ({@link #isWaiting}). Bounded: at most {@value #MAX_WAITING} messages of a session wait, for at
 * most {@value #BOUND_MILLIS} ms; past either they go on in their order (a subscription to many
 * retained topics read by a slow client may then see a live message before a retained one).
 *
 * <p>Threading: the map of gates is concurrent; a gate is touched only in its session's tasks.
 */
public final class RetainedGates {

    static final int MAX_WAITING = 1_000;
    static final long BOUND_MILLIS = 5_000;

    /** A live delivery that waits: the arguments of {@link SessionDelivery#deliver}. */
    record Waiting(RoutedMessage message, int qos, boolean retain, int[] subscriptionIds, Runnable onHandled,
                   CompletableFuture<Void> stored, String sharedGroup) {
    }

    /** One subscription's wait for its retained messages: close it with {@link #close}. */
    public static final class Opening {
        private final String filter;

        private Opening(String filter) {
            this.filter = filter;
        }
    }

    private static final class Gate {
        final List<Opening> openings = new ArrayList<>(1);
        final List<Waiting> waiting = new ArrayList<>();
    }

    private final ConcurrentHashMap<Session, Gate> gates = new ConcurrentHashMap<>();

    /**
     * In the session's task that puts the subscription with {@code filter} (without {@code $share/})
     * into the tree: live messages on the topics it matches wait until {@link #close}.
     */
    public Opening open(Session session, String filter) {
        Opening opening = new Opening(filter);
        gates.computeIfAbsent(session, ignored -> new Gate()).openings.add(opening);
        session.executeLater(() -> close(session, opening), BOUND_MILLIS);
        return opening;
    }

    /** In a session task: queues a retained message for the subscription that opened a gate, past the gate. */
    public static void deliverRetained(Session session, RoutedMessage message, int qos, int[] subscriptionIds) {
        SessionDelivery.deliverNow(session, new Waiting(message, qos, true, subscriptionIds, null, null, null));
    }

    /** Whether any session has a gate open now: else no delivery needs to ask (the common case, no allocation). */
    boolean anyOpen() {
        return !gates.isEmpty();
    }

    /** In the session's delivery task: whether {@code delivery} waits (it is then delivered at {@link #close}). */
    boolean holds(Session session, Waiting delivery) {
        Gate gate = gates.get(session);
        if (gate == null || !matchesAny(gate.openings, delivery.message().message().topic())) {
            return false;
        }
        gate.waiting.add(delivery);
        if (gate.waiting.size() >= MAX_WAITING) {
            gate.openings.clear();
            release(session, gate);
        }
        return true;
    }

    /** In a session task: whether {@code retained} is one of the live messages waiting (then sent once, live). */
    public boolean isWaiting(Session session, PublishedMessage retained) {
        Gate gate = gates.get(session);
        if (gate == null) {
            return false;
        }
        for (Waiting waiting : gate.waiting) {
            PublishedMessage live = waiting.message().message();
            if (live.topic().equals(retained.topic()) && sameMillis(live.receivedAt(), retained.receivedAt())
                    && Objects.equals(live.clientId(), retained.clientId())
                    && Arrays.equals(live.payload(), retained.payload())) {
                return true;
            }
        }
        return false;
    }

    /**
     * In a session task: the retained messages of {@code opening}'s subscription are queued, or none
     * will be; what waited for them (and for no other opening) goes on, in its order. Once only.
     */
    public void close(Session session, Opening opening) {
        Gate gate = gates.get(session);
        if (gate != null && gate.openings.remove(opening)) {
            release(session, gate);
        }
    }

    private void release(Session session, Gate gate) {
        List<Waiting> going = new ArrayList<>(gate.waiting.size());
        for (Iterator<Waiting> it = gate.waiting.iterator(); it.hasNext(); ) {
            Waiting waiting = it.next();
            // Messages of one topic match the same openings: they go on together, in their order.
            if (!matchesAny(gate.openings, waiting.message().message().topic())) {
                going.add(waiting);
                it.remove();
            }
        }
        if (gate.openings.isEmpty()) {
            gates.remove(session, gate);
        }
        going.forEach(waiting -> SessionDelivery.deliverNow(session, waiting));
    }

    /* A store may keep times in microseconds: the millisecond, as the cluster's recovery tells messages apart. */
    private static boolean sameMillis(java.time.Instant a, java.time.Instant b) {
        return a == null ? b == null : b != null && a.toEpochMilli() == b.toEpochMilli();
    }

    private static boolean matchesAny(List<Opening> openings, String topic) {
        for (Opening opening : openings) {
            if (TopicFilters.matches(opening.filter, topic)) {
                return true;
            }
        }
        return false;
    }
}
