package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.netty.channel.EventLoop;

import java.util.function.Consumer;

/**
 * Attaches a connection to its session after CONNECT: takes the session over from a connection
 * still attached on this node (reason 0x8E), moves the session's tasks to the new connection's
 * event loop, and brings the session online in the order the protocol needs: the pending will and
 * the expiry cancelled, the subscriptions decided again under the new connection's permissions, the
 * inbound QoS 2 flows resumed and the stored state written before CONNACK, then what waits for the
 * client resent and sent.
 *
 * <p>Threading: stateless; runs in two tasks of the session, the first on the executor of the
 * moment (so that the old connection is never written to from the new loop), the second on the new
 * connection's event loop. Nothing here blocks: store writes are not waited for. The attaches of
 * one session run one at a time: a CONNECT that arrives while another connection's attach is between
 * its two tasks waits for it, then takes the session over from that connection. Two CONNECTs at
 * once used to both find no connection to take over, and both stayed connected [MQTT-3.1.4-2].
 */
final class SessionAttacher {

    private SessionAttacher() {
    }

    /** See {@link Session#attach}. */
    static void attach(Session session, ClientConnection newConnection, long expirySeconds,
                       Consumer<Boolean> onAttached) {
        session.execute(() -> {
            if (!session.mailbox().beginAttach(() -> attach(session, newConnection, expirySeconds, onAttached))) {
                return;
            }
            try {
                takeOverFromThisLoop(session, newConnection);
            } catch (RuntimeException e) {
                session.mailbox().endAttach();
                throw e;
            }
            EventLoop newLoop = newConnection.channel().eventLoop();
            if (session.mailbox().executor() == newLoop) {
                // Already there (a new session is created on its connection's loop): go on in this task,
                // which also spares the session a task queue of its own.
                attachOnNewLoop(session, newConnection, expirySeconds, onAttached);
                return;
            }
            session.mailbox().moveTo(newLoop);
            session.execute(() -> attachOnNewLoop(session, newConnection, expirySeconds, onAttached));
        });
    }

    /* Disconnects the connection attached now (0x8E), on the loop the session still runs on: its own. */
    private static void takeOverFromThisLoop(Session session, ClientConnection newConnection) {
        ClientConnection previous = session.connection();
        if (previous != null && previous != newConnection) {
            // Take its QoS 2 flows now, on its own loop: waiting for its close would let the new
            // connection handle a retransmitted PUBLISH before they arrive, and route it twice.
            session.inboundQos2().keep(previous.inbound().qos2FlowsForSession());
            previous.disconnect(MqttReasonCode.SESSION_TAKEN_OVER, DisconnectInfo.SESSION_TAKEN_OVER);
            session.clearConnection();
        }
    }

    /* The attach's second task; it ends the attach, so that one waiting for it goes on. */
    private static void attachOnNewLoop(Session session, ClientConnection newConnection, long expirySeconds,
                                        Consumer<Boolean> onAttached) {
        try {
            bringOnline(session, newConnection, expirySeconds, onAttached);
        } finally {
            session.mailbox().endAttach();
        }
    }

    private static void bringOnline(Session session, ClientConnection newConnection, long expirySeconds,
                                    Consumer<Boolean> onAttached) {
        if (!newConnection.channel().isActive()) {
            // Closed while authenticating or waiting for this task: there is nothing to attach.
            if (session.connection() == null && expirySeconds == 0 && !session.hasSubscriptions()) {
                SessionTermination.end(session);
            }
            return;
        }
        boolean stillPresent = true;
        if (session.hasMovedAway()) {
            // Another node took the client over before this attach: the session goes on there. An
            // empty one revived here would be saved over it.
            newConnection.disconnect(MqttReasonCode.SESSION_TAKEN_OVER, DisconnectInfo.SESSION_TAKEN_OVER);
            return;
        }
        if (session.isEnded()) {
            // The session expired between lookup and attach: continue it as a new, empty session.
            if (!session.manager().revive(session)) {
                newConnection.disconnect(MqttReasonCode.SESSION_TAKEN_OVER, DisconnectInfo.SESSION_TAKEN_OVER);
                return;
            }
            session.reopen();
            stillPresent = false;
        }
        // The session continues (here or on another node): a will held back is never published.
        session.stopOfflineTimers();
        session.setSessionExpirySeconds(expirySeconds);
        session.setDisconnectedAt(null);
        session.attachTo(newConnection);
        if (newConnection.permissions() != null) {
            session.applyPermissions(newConnection.permissions());
        }
        newConnection.inbound().resumeQos2Flows(session.inboundQos2().take());
        // Before CONNACK: no PUBLISH of this connection is read before its QoS 2 state is written through.
        newConnection.inbound().writeThrough(expirySeconds != 0 ? session.inboundQos2() : null);
        if (expirySeconds != 0) {
            // Before CONNACK: the stored state says "online here" before the client can act on it.
            if (!session.isPersistent()) {
                session.setPersistent(true);
            }
            session.manager().storeWriter().save(session.snapshot());
        } else if (session.isPersistent()) {
            session.stopPersistingOnceReadBack();
        }
        onAttached.accept(stillPresent);
        if (!newConnection.channel().isActive()) {
            return;
        }
        OutboundQosFlows outbound = session.outboundIfAny();
        if (outbound != null) {
            outbound.resume();
        }
    }
}
