package io.mqttbridge.broker.session;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The QoS 1/2 messages sent to a session's client and not acknowledged yet, by packet id, in the order
 * they were sent (a new connection gets them again in that order). They hold the heap as queued ones
 * do, for as long as the client takes (up to {@code maxInflightOutbound} per session, and a client that
 * never acknowledges keeps them until its session ends), so each counts in {@link QueuedMemory} while
 * it is here: from when it comes in to when it goes, whichever way it goes.
 *
 * <p>Threading: confined to the owning session's executor, like {@link OutboundQosFlows}.
 */
final class UnacknowledgedDeliveries {

    private static final Map<Integer, OutboundDelivery> NONE = Collections.emptyMap();

    private final QueuedMemory memory;
    /* Created by the first message sent: a session that only ever gets QoS 0 never has one. */
    private Map<Integer, OutboundDelivery> byPacketId = NONE;

    UnacknowledgedDeliveries(QueuedMemory memory) {
        this.memory = memory;
    }

    OutboundDelivery get(int packetId) {
        return byPacketId.get(packetId);
    }

    boolean contains(int packetId) {
        return byPacketId.containsKey(packetId);
    }

    /** {@code delivery}, restored with its packet id, waits for its acknowledgement. */
    void add(OutboundDelivery delivery) {
        memory.held(delivery);
        addHeld(delivery);
    }

    /**
     * {@code delivery}, sent with its packet id, waits for its acknowledgement; it is held against the
     * heap bound already ({@link OutboundQueue#pollFirstHeld}), and that hold is now this one's.
     */
    void addHeld(OutboundDelivery delivery) {
        if (byPacketId == NONE) {
            byPacketId = new LinkedHashMap<>();
        }
        OutboundDelivery replaced = byPacketId.put(delivery.packetId, delivery);
        if (replaced != null) {
            memory.released(replaced);
        }
    }

    /** {@code delivery}'s flow ended (acknowledged, refused or dropped); nothing if it is not here. */
    void remove(OutboundDelivery delivery) {
        // The shared empty map refuses remove(key, value) even for a key it lacks.
        if (byPacketId != NONE && byPacketId.remove(delivery.packetId, delivery)) {
            memory.released(delivery);
        }
    }

    /** Takes out the deliveries that match, in the order they were sent. */
    List<OutboundDelivery> takeIf(Predicate<OutboundDelivery> match) {
        List<OutboundDelivery> taken = new ArrayList<>(0);
        for (Iterator<OutboundDelivery> it = byPacketId.values().iterator(); it.hasNext(); ) {
            OutboundDelivery delivery = it.next();
            if (match.test(delivery)) {
                it.remove();
                memory.released(delivery);
                taken.add(delivery);
            }
        }
        return taken;
    }

    /** In the order they were sent; read-only (changes go through {@link #remove} and {@link #takeIf}). */
    Collection<OutboundDelivery> inOrder() {
        return Collections.unmodifiableCollection(byPacketId.values());
    }

    int size() {
        return byPacketId.size();
    }

    /** Forgets them all (the session ended or moved away). */
    void clear() {
        for (OutboundDelivery delivery : byPacketId.values()) {
            memory.released(delivery);
        }
        byPacketId.clear();
    }
}
