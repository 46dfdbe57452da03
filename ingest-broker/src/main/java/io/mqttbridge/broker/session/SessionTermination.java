package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;

import java.util.List;

/**
 * The end of a session on this node and in the store: its clean connection closed, it expired
 * offline, a clean start replaced it, or an operator ended it. A will still held back is published
 * [MQTT-3.1.3-9], the subscriptions leave the topic tree, and what it got through shared
 * subscriptions and had not delivered for sure goes to another member of each group.
 *
 * <p>Threading: stateless; runs in a task of the session ({@link #endFromOutside} submits one from
 * any thread). Ending twice is harmless: the second time does nothing.
 */
final class SessionTermination {

    private SessionTermination() {
    }

    /** See {@link Session#endFromOutside}. */
    static void endFromOutside(Session session, int reasonCode, String reason) {
        session.execute(() -> {
            ClientConnection current = session.connection();
            if (current != null) {
                current.disconnect(reasonCode, reason);
            }
            end(session);
        });
    }

    /** The expiry timer fired: ends the session unless a connection attached meanwhile. */
    static void endIfOffline(Session session) {
        if (session.connection() == null && !session.isEnded()) {
            end(session);
        }
    }

    /** Ends {@code session} unless it ended already. */
    static void end(Session session) {
        if (session.isEnded()) {
            return;
        }
        session.markEnded();
        session.setPersistent(false);
        Runnable will = session.stopOfflineTimers();
        if (will != null) {
            will.run();
        }
        SessionManager manager = session.manager();
        for (Subscription subscription : session.subscriptions()) {
            manager.routes().remove(subscription);
        }
        session.clearSubscriptions();
        // Out of the tree by now: another member of each group gets what this one had not delivered.
        OutboundQosFlows outbound = session.outboundIfAny();
        List<SharedMessage> orphans = outbound == null ? List.of() : outbound.takeShared();
        if (outbound != null) {
            outbound.clear();
        }
        manager.ended(session, session.mayBeStored());
        if (!orphans.isEmpty()) {
            manager.sharedOrphans().redistribute(orphans);
        }
    }
}
