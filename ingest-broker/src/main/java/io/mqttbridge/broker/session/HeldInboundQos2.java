package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.InboundQosFlows;
import io.mqttbridge.broker.connection.Qos2Flow;
import io.mqttbridge.broker.spi.SessionSnapshot.InDoubtQos2;
import io.mqttbridge.broker.spi.WriteSpan;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The inbound QoS 2 flows of one session between its connections [MQTT-4.1.0-1]: taken from a
 * connection that closes or is taken over, handed to the next one when it attaches, rebuilt from the
 * packet ids of a stored session; and the {@link InboundQosFlows.Qos2Log} through which the session's
 * connections write that state to the session store while the session is persistent.
 *
 * <p>Threading: the held flows are used only in the session's tasks (on its executor). The log is
 * called on the event loop of the connection it was given to; it only reads the session's volatile
 * persistence flag and calls the store writer, which is safe from any thread.
 */
final class HeldInboundQos2 implements InboundQosFlows.Qos2Log {

    private final Session session;
    private final SessionStoreWriter store;
    private Map<Integer, Qos2Flow> held = Map.of();

    HeldInboundQos2(Session session, SessionStoreWriter store) {
        this.session = session;
        this.store = store;
    }

    @Override
    public CompletableFuture<Void> sending(int packetId, Instant receivedAt) {
        return session.isPersistent()
                ? store.sendingQos2(session.clientId(), packetId, receivedAt) : CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> received(int packetId) {
        // A flow that completes after the session ended or moved to another node is not recorded:
        // a stale packet id would make the store swallow a later new PUBLISH with that id.
        return session.isPersistent()
                ? store.receivedQos2(session.clientId(), packetId) : CompletableFuture.completedFuture(null);
    }

    @Override
    public WriteSpan openSpan() {
        return session.isPersistent() ? store.openSpan() : WriteSpan.NONE;
    }

    @Override
    public boolean movedAway() {
        return session.hasMovedAway();
    }

    @Override
    public CompletableFuture<Void> released(int packetId) {
        return store.releasedQos2(session.clientId(), packetId);
    }

    /** The flows held for the next connection, which takes them: none are held afterwards. */
    Map<Integer, Qos2Flow> take() {
        Map<Integer, Qos2Flow> flows = held;
        held = Map.of();
        return flows;
    }

    /**
     * Takes the flows of {@code closed}: straight to {@code current}, the connection the session
     * already runs on (on its event loop), or held for the next one when {@code current} is null.
     */
    void carry(ClientConnection closed, ClientConnection current) {
        Map<Integer, Qos2Flow> flows =
                closed.inbound().qos2FlowsForSession();
        if (flows.isEmpty()) {
            return;
        }
        if (current != null) {
            // The session already runs on the new connection's event loop: hand them over directly.
            current.inbound().resumeQos2Flows(flows);
        } else {
            keep(flows);
        }
    }

    /** Holds {@code flows} for the next connection, besides those held already. */
    void keep(Map<Integer, Qos2Flow> flows) {
        if (flows.isEmpty()) {
            return;
        }
        Map<Integer, Qos2Flow> merged = new HashMap<>(held);
        merged.putAll(flows);
        held = merged;
    }

    /**
     * Holds the flows of a stored session: {@code packetIds}, whose PUBRECs were sent, await PUBREL;
     * {@code inDoubt}, handed to the sink with an unknown outcome, are looked up in the sink when the
     * client retransmits them.
     */
    void restore(Collection<Integer> packetIds, Collection<InDoubtQos2> inDoubt) {
        if (!packetIds.isEmpty() || !inDoubt.isEmpty()) {
            Map<Integer, Qos2Flow> restored = new HashMap<>();
            for (InDoubtQos2 flow : inDoubt) {
                restored.put(flow.packetId(), Qos2Flow.inDoubt(flow.receivedAt()));
            }
            for (Integer packetId : packetIds) {
                restored.put(packetId, Qos2Flow.received());
            }
            keep(restored);
        }
    }
}
