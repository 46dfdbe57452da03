package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.ConnectionInfo;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The timers of a session while no connection is attached: its expiry, and its will held back by a
 * will delay [MQTT-3.1.3-9]. What they do runs as a session task and checks again that the session
 * is still offline, so that a connection attached meanwhile wins.
 *
 * <p>Threading: used only in the session's tasks; the timers are scheduled on the session's executor
 * of the moment and hand their work to the session's mailbox.
 */
final class OfflineTimers {

    private final Session session;
    private final SessionMailbox mailbox;
    private ScheduledFuture<?> expiryTimer;
    private ScheduledFuture<?> willTimer;
    private Runnable pendingWill;

    OfflineTimers(Session session, SessionMailbox mailbox) {
        this.session = session;
        this.mailbox = mailbox;
    }

    /** Ends the session after {@code seconds} if it is still offline then (never for "never expires"). */
    void scheduleExpiry(long seconds) {
        if (seconds != ConnectionInfo.SESSION_NEVER_EXPIRES) {
            expiryTimer = mailbox.executor().schedule(
                    () -> session.execute(() -> SessionTermination.endIfOffline(session)), seconds, TimeUnit.SECONDS);
        }
    }

    /** Publishes {@code will} after {@code delaySeconds} unless a connection attached meanwhile. */
    void scheduleWill(Runnable will, long delaySeconds) {
        pendingWill = will;
        willTimer = mailbox.executor().schedule(this::firePendingWill, delaySeconds, TimeUnit.SECONDS);
    }

    private void firePendingWill() {
        session.execute(() -> {
            Runnable will = pendingWill;
            pendingWill = null;
            if (will != null && !session.isOnline()) {
                will.run();
            }
        });
    }

    /** The will still held back, which the caller now owns (to publish or drop), or {@code null}. */
    Runnable takePendingWill() {
        Runnable will = pendingWill;
        pendingWill = null;
        return will;
    }

    /** Cancels both timers; a held-back will stays held (see {@link #takePendingWill}). */
    void cancel() {
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
            expiryTimer = null;
        }
        if (willTimer != null) {
            willTimer.cancel(false);
            willTimer = null;
        }
    }
}
