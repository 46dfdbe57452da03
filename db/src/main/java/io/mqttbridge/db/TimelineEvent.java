package io.mqttbridge.db;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One thing that happened to a device's connections, for a timeline.
 *
 * @param at when it happened
 * @param type what happened
 * @param topicFilters for subscribe and unsubscribe events, the filters; otherwise empty
 * @param disconnectReason for disconnect events, the reason; otherwise {@code null}
 */
public record TimelineEvent(Instant at, Type type, UUID connectionId, String clientId, String nodeId,
                            List<String> topicFilters, String disconnectReason) {

    public enum Type { CONNECTED, DISCONNECTED, SUBSCRIBED, UNSUBSCRIBED }

    public TimelineEvent {
        topicFilters = topicFilters == null ? List.of() : List.copyOf(topicFilters);
    }
}
