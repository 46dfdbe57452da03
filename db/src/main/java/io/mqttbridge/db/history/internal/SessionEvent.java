package io.mqttbridge.db.history.internal;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A session event as published by the broker nodes (docs/ARCHITECTURE.md, "Session events"). */
sealed interface SessionEvent {

    String node();

    Instant timestamp();

    record Connected(String node, Instant timestamp, UUID connectionId, String clientId, String username,
                     String deviceId, String remoteAddress, Integer protocolVersion, Boolean cleanStart,
                     Integer keepAlive, Long sessionExpiry, Instant connectedAt) implements SessionEvent {
    }

    record Disconnected(String node, Instant timestamp, UUID connectionId, String clientId, Instant disconnectedAt,
                        String reason, Integer reasonCode, Boolean willPublished) implements SessionEvent {
    }

    record Subscription(String node, Instant timestamp, UUID connectionId, String clientId, boolean subscribed,
                        List<String> topicFilters, List<Integer> grantedQos,
                        String kafkaTopic, int kafkaPartition, long kafkaOffset) implements SessionEvent {
    }

    /** @param startedAt when the node (re)started; {@code null} from publishers that do not say */
    record Heartbeat(String node, Instant timestamp, Instant startedAt) implements SessionEvent {
    }
}
