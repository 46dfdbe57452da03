package io.mqttbridge.db;

import java.time.Instant;

/**
 * A broker node as seen through its session events.
 *
 * @param startedAt when the node was first seen
 * @param lastHeartbeatAt its latest heartbeat (or other session event)
 */
public record BrokerNode(String nodeId, Instant startedAt, Instant lastHeartbeatAt) {
}
