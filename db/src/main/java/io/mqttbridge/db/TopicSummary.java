package io.mqttbridge.db;

import java.time.Instant;

/** A topic seen in the history, with how many messages it has and when the latest arrived. */
public record TopicSummary(String topic, long messageCount, Instant lastSeenAt) {
}
