package io.mqttbridge.api.resources.model;

/**
 * Rates and lag of this process, from its metrics. Rates are events per second; figures of a role
 * this process does not run are zero.
 *
 * @param connections MQTT connections open on this node now
 * @param historyWriterLag Kafka records the history writer has yet to write to PostgreSQL
 */
public record Stats(Rate messagesIn, Rate messagesOut, Rate connects, Rate connectsRefused, long connections,
                   KafkaMirror kafkaMirror, HistoryWriter historyWriter, Queued queued) {

    /** A meter: total count and moving averages over 1, 5 and 15 minutes. */
    public record Rate(long count, double oneMinute, double fiveMinutes, double fifteenMinutes) {
        public static final Rate ZERO = new Rate(0, 0, 0, 0);

        public Rate plus(Rate other) {
            return new Rate(count + other.count, oneMinute + other.oneMinute, fiveMinutes + other.fiveMinutes,
                    fifteenMinutes + other.fifteenMinutes);
        }
    }

    /**
     * @param outstandingBytes payload bytes sent to Kafka and not yet acknowledged
     * @param sendLatencyP99Millis the 99th percentile of Kafka acknowledgement latency
     * @param backPressure true while the mirror refuses new messages (too many bytes outstanding)
     *                     and the broker has stopped reading from publishers
     */
    public record KafkaMirror(Rate sent, Rate acked, Rate failed, long outstandingBytes, double sendLatencyP99Millis,
                              boolean backPressure) {
    }

    public record HistoryWriter(long lag, Rate rowsWritten, Rate sessionEvents, Rate failures, boolean paused) {
    }

    /**
     * The messages this node's sessions hold for their clients.
     *
     * @param messages queued for clients (offline, or behind), in memory or in the session store alone
     * @param inStore of those, the persistent sessions' messages that wait in the session store alone
     * @param heapBytes what the queued and unacknowledged messages take of the heap, by the broker's count
     * @param heapBoundBytes {@code broker.maxQueuedHeapPercent} of the heap in bytes; 0: no bound
     * @param spilled persistent sessions' messages kept in the session store alone past the bound
     * @param heapBoundExceeded other messages past the bound, which met the overflow policy
     */
    public record Queued(long messages, long inStore, long heapBytes, long heapBoundBytes, Rate spilled,
                         Rate heapBoundExceeded) {
    }
}
