package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;

import java.time.Instant;

/**
 * A connection of a session closed: the session goes offline (its expiry and held-back will start,
 * its QoS 0 queue is dropped, a persistent one is saved) or ends with it; a connection the session
 * no longer runs on only hands its inbound QoS 2 flows on and settles its will. When the will is
 * published is {@link WillTiming}'s.
 *
 * <p>Threading: stateless; runs in a task of the session (see {@link SessionMailbox}), so that it is
 * ordered with the attach of a newer connection.
 */
final class SessionDetacher {

    private SessionDetacher() {
    }

    /** See {@link Session#detach}. */
    static void detach(Session session, ClientConnection closed, Runnable will, long willDelaySeconds,
                       Runnable afterDetach) {
        session.execute(() -> {
            try {
                detachNow(session, closed, will, willDelaySeconds);
            } finally {
                afterDetach.run();
            }
        });
    }

    private static void detachNow(Session session, ClientConnection closed, Runnable will, long willDelaySeconds) {
        ClientConnection current = session.connection();
        if (current != closed || session.isEnded()) {
            if (!session.isEnded()) {
                session.inboundQos2().carry(closed, current);
            }
            // Taken over by a newer connection to this session, or the session already ended.
            if (will != null && WillTiming.publishesForReplacedConnection(session.isEnded(), session.hasMovedAway(),
                    session.sessionExpirySeconds(), willDelaySeconds)) {
                will.run();
            }
            return;
        }
        session.clearConnection();
        session.setDisconnectedAt(Instant.now());
        long expirySeconds = closed.sessionExpirySeconds();
        session.setSessionExpirySeconds(expirySeconds);
        session.inboundQos2().carry(closed, null);
        if (will != null) {
            long delay = WillTiming.delayForAttachedConnection(willDelaySeconds, expirySeconds);
            if (delay == 0) {
                will.run();
            } else {
                session.timers().scheduleWill(will, delay);
            }
        }
        if (expirySeconds == 0) {
            SessionTermination.end(session);
            return;
        }
        OutboundQosFlows outbound = session.outboundIfAny();
        if (outbound != null) {
            outbound.dropQos0Queued();
        }
        session.timers().scheduleExpiry(expirySeconds);
        session.markMayBeStored();
        session.manager().storeWriter().save(session.snapshot());
    }
}
