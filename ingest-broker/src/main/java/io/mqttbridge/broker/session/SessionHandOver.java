package io.mqttbridge.broker.session;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.SessionSnapshot;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Hands a session over to the node of the cluster that took its client over: the connection still
 * attached here is disconnected (0x8E), the session is saved for that node and ends here without
 * leaving the store. Its non-shared subscriptions stay in the topic tree for the re-forward window,
 * so that what still reaches this node for the session is sent on to its new holder until every
 * node has learnt where the session is (see "Messages that reach the old node during a hand-over"
 * in docs/ARCHITECTURE.md).
 *
 * <p>Threading: stateless; {@link #moveAway} from any thread, the work runs in a task of the session
 * and the end of the re-forward window in another one, scheduled on the session's executor.
 */
final class SessionHandOver {

    private SessionHandOver() {
    }

    /**
     * Another node took the client over: disconnects the connection still attached (0x8E), saves
     * the session for that node and ends it here without removing it from the store. The old
     * connection's will follows the takeover rules when it closes (published only with no will delay
     * or when the session does not outlive the connection). Inbound QoS 2 flows reach the other
     * node through the store (written through before each PUBREC), except those still waiting for
     * the sink here: their PUBREC is recorded after the other node may have loaded the session.
     *
     * @return completes once the store has the snapshot
     */
    static CompletableFuture<Void> moveAway(Session session) {
        CompletableFuture<Void> saved = new CompletableFuture<>();
        moveAwayInTurn(session, saved);
        return saved;
    }

    /*
     * Never between an attach's two tasks: the session would end with no connection attached, and the
     * attach would go on with an empty session. After the attach, its connection is taken over here.
     */
    private static void moveAwayInTurn(Session session, CompletableFuture<Void> saved) {
        session.execute(() -> {
            if (!session.mailbox().beginAttach(() -> moveAwayInTurn(session, saved))) {
                return;
            }
            try {
                moveAwayNow(session, saved);
            } finally {
                session.mailbox().endAttach();
            }
        });
    }

    private static void moveAwayNow(Session session, CompletableFuture<Void> saved) {
        if (session.isEnded()) {
            saved.complete(null);
            return;
        }
        ClientConnection previous = session.connection();
        if (previous != null) {
            session.setDisconnectedAt(Instant.now());
            previous.disconnect(MqttReasonCode.SESSION_TAKEN_OVER, DisconnectInfo.SESSION_TAKEN_OVER);
            session.clearConnection();
        }
        // The session continues on the other node: a will held back is never published here.
        session.stopOfflineTimers();
        session.markMovedAway();
        SessionSnapshot snapshot = session.snapshot();
        session.markEnded();
        long window = snapshot.sessionExpirySeconds() == 0 ? 0 : session.manager().reforwardWindowMillis();
        // What still reaches the non-shared subscriptions here for a while is sent on to the new
        // holder (deliver), until every node has learnt where the session is now.
        session.setForwardsElsewhere(window > 0);
        SubscriptionRoutes routes = session.manager().routes();
        for (Subscription subscription : session.subscriptions()) {
            if (window == 0 || subscription.shareGroup() != null) {
                routes.remove(subscription);
            }
        }
        if (window > 0) {
            session.manager().reforwarding().incrementAndGet();
            keepForwarding(session, List.copyOf(session.subscriptions()), window);
        }
        session.clearSubscriptions();
        // The other node owns the stored session now: nothing more is written through from here.
        session.setPersistent(false);
        OutboundQosFlows outbound = session.outboundIfAny();
        if (outbound != null) {
            outbound.clear();
        }
        session.manager().forget(session);
        if (snapshot.sessionExpirySeconds() == 0) {
            saved.complete(null);
        } else {
            session.manager().storeWriter().saveNow(snapshot)
                    .whenComplete((ignored, error) -> saved.complete(null));
        }
    }

    /** Takes {@code kept}'s non-shared subscriptions out of the tree after {@code windowMillis}. */
    private static void keepForwarding(Session session, List<Subscription> kept, long windowMillis) {
        Runnable stopForwarding = () -> session.execute(() -> {
            session.setForwardsElsewhere(false);
            session.manager().reforwarding().decrementAndGet();
            for (Subscription subscription : kept) {
                if (subscription.shareGroup() == null) {
                    session.manager().routes().remove(subscription);
                }
            }
        });
        try {
            session.mailbox().executor().schedule(stopForwarding, windowMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The broker is stopping: nothing more reaches the session here.
            session.setForwardsElsewhere(false);
            session.manager().reforwarding().decrementAndGet();
        }
    }
}
