package io.mqttbridge.db;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Read access to session history, as written by the history writer from the session events.
 *
 * <p>Threading: thread-safe; blocks on JDBC.
 */
public interface SessionRepository {

    Optional<SessionRecord> find(UUID connectionId);

    /** A page of sessions, newest connection first; the cursor is opaque. */
    Page<SessionRecord> find(SessionQuery query);

    /**
     * Connects, disconnects, subscribes and unsubscribes of the device's connections within
     * [{@code from}, {@code to}) (either may be {@code null}), oldest first, at most {@code limit}.
     */
    List<TimelineEvent> deviceTimeline(String deviceId, Instant from, Instant to, int limit);

    /**
     * How many sessions ended with each disconnect reason within [{@code from}, {@code to})
     * (either may be {@code null}), most frequent first.
     */
    List<DisconnectReasonCount> disconnectReasons(Instant from, Instant to);

    /** Every broker node that ever sent a session event, by node id. */
    List<BrokerNode> nodes();
}
