package io.mqttbridge.broker.session;

import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A session's durable state, as the {@link io.mqttbridge.broker.spi.SessionStore} holds it: the
 * snapshot taken of a live session, and a session restored from one (after a restart, or moved here
 * from another node) with its expiry counted from when it went offline.
 *
 * <p>Threading: stateless; {@link #take} and {@link #restore} run in a task of the session,
 * {@link #restoreInTask} from any thread.
 */
final class SessionSnapshots {

    private SessionSnapshots() {
    }

    /** See {@link Session#snapshot}. */
    static SessionSnapshot take(Session session) {
        List<SessionSnapshot.StoredSubscription> subs = new ArrayList<>();
        for (Subscription subscription : session.subscriptions()) {
            subs.add(subscription.toStored());
        }
        OutboundQosFlows outbound = session.outboundIfAny();
        SessionSnapshot snapshot = new SessionSnapshot(session.clientId(), session.sessionExpirySeconds(),
                session.disconnectedAt(), subs, outbound == null ? List.of() : outbound.toStored(), session.owner());
        return outbound == null ? snapshot : snapshot.withStoredOnlyFrom(outbound.storedOnlyFrom());
    }

    /**
     * Sets the state and subscriptions of {@code session}, created offline and not yet attached,
     * from {@code snapshot}, in a task of the session.
     *
     * @return completes when done
     */
    static CompletableFuture<Void> restoreInTask(Session session, SessionSnapshot snapshot) {
        return restoreInTask(session, snapshot, RoutedMessage::of);
    }

    /**
     * {@link #restoreInTask(Session, SessionSnapshot)} with the snapshot's messages prepared by
     * {@code prepare} (sessions restored together share what they shared before).
     */
    static CompletableFuture<Void> restoreInTask(Session session, SessionSnapshot snapshot,
                                                 Function<PublishedMessage, RoutedMessage> prepare) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        session.execute(() -> {
            try {
                restore(session, snapshot, prepare);
                for (SessionSnapshot.StoredSubscription stored : snapshot.subscriptions()) {
                    session.subscribe(Subscriptions.fromStored(session, stored));
                }
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    /**
     * Restores the state (not the subscriptions) of {@code session} while it is offline, its messages
     * prepared by {@code prepare}.
     */
    static void restore(Session session, SessionSnapshot snapshot, Function<PublishedMessage, RoutedMessage> prepare) {
        long expirySeconds = snapshot.sessionExpirySeconds();
        Instant disconnectedAt = snapshot.disconnectedAt() == null ? Instant.now() : snapshot.disconnectedAt();
        session.setSessionExpirySeconds(expirySeconds);
        session.setDisconnectedAt(disconnectedAt);
        // Write through from now on; the restored messages are stored already, so restore them after.
        session.setPersistent(true);
        if (!snapshot.pending().isEmpty() || !snapshot.storedOnly().isEmpty()) {
            session.outbound().restore(snapshot.pending(), snapshot.storedOnly(), prepare);
        }
        session.inboundQos2().restore(snapshot.inboundQos2(), snapshot.inboundQos2InDoubt());
        if (expirySeconds != ConnectionInfo.SESSION_NEVER_EXPIRES) {
            long elapsed = Duration.between(disconnectedAt, Instant.now()).getSeconds();
            session.timers().scheduleExpiry(Math.max(0, expirySeconds - elapsed));
        }
    }
}
