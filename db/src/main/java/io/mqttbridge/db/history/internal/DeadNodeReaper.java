package io.mqttbridge.db.history.internal;

import io.mqttbridge.db.SessionRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the sessions that a dead broker node left open: a node whose latest heartbeat (or other
 * session event) is older than the timeout will never send their disconnected events.
 *
 * <p>Only meaningful when the session events are consumed up to the end: a writer that is behind
 * has not seen the heartbeats yet. The caller makes sure of that.
 */
public final class DeadNodeReaper {

    private static final Logger LOG = LoggerFactory.getLogger(DeadNodeReaper.class);
    // The session cannot have ended before its node's last sign of life, nor before it started. Silent
    // means silent for the timeout before the newest heartbeat of any node, not only before now: while
    // Kafka is away no heartbeat arrives from anyone, the live nodes' included (the writer's lag reads 0
    // then), and every node would look dead (a node's own live sessions were closed as node_lost).
    private static final String CLOSE_SESSIONS_OF_DEAD_NODES = """
            UPDATE sessions s
               SET disconnected_at = GREATEST(n.last_heartbeat_at, s.connected_at),
                   disconnect_reason = :reason
              FROM broker_nodes n
             WHERE s.node_id = n.node_id
               AND s.disconnected_at IS NULL
               AND n.last_heartbeat_at < :cutoff
               AND n.last_heartbeat_at < (SELECT max(last_heartbeat_at) FROM broker_nodes)
                                         - make_interval(secs => :timeoutSeconds)
            """;

    private final Jdbi jdbi;
    private final Duration timeout;
    private final Clock clock;

    public DeadNodeReaper(Jdbi jdbi, Duration timeout, Clock clock) {
        this.jdbi = jdbi;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** @return how many sessions were closed */
    public int closeSessionsOfDeadNodes() {
        int closed = jdbi.withHandle(h -> h.createUpdate(CLOSE_SESSIONS_OF_DEAD_NODES)
                .bind("reason", SessionRecord.NODE_LOST)
                .bind("cutoff", clock.instant().minus(timeout).atOffset(ZoneOffset.UTC))
                .bind("timeoutSeconds", timeout.toMillis() / 1000.0)
                .execute());
        if (closed > 0) {
            LOG.info("Closed {} sessions of broker nodes silent for more than {}", closed, timeout);
        }
        return closed;
    }
}
