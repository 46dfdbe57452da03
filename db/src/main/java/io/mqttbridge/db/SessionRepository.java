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

    /** How many clients are connected now, on every node or on {@code nodeId} ({@code null}: every node). */
    long countConnected(String nodeId);

    /**
     * A page of the connects, disconnects, subscribes and unsubscribes of the device's connections
     * within the query's times, in time order (events of one instant: connects, then subscription
     * changes, then disconnects; reversed when newest first). The cursor is opaque.
     *
     * @throws IllegalArgumentException for a cursor this repository did not make
     */
    Page<TimelineEvent> deviceTimeline(TimelineQuery query);

    /**
     * How many sessions ended with each disconnect reason within [{@code from}, {@code to})
     * (either may be {@code null}), most frequent first.
     */
    List<DisconnectReasonCount> disconnectReasons(Instant from, Instant to);

    /** Every broker node that ever sent a session event, by node id. */
    List<BrokerNode> nodes();
}
