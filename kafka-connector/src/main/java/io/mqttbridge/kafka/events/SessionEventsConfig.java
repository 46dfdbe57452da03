package io.mqttbridge.kafka.events;

/** Where and how session events are published. */
public class SessionEventsConfig {

    public static final boolean DEFAULT_ENABLED = true;
    public static final String DEFAULT_TOPIC = "mqtt.session-events";
    public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
    public static final int DEFAULT_MAX_QUEUED_EVENTS = 10_000;
    /**
     * Longer than the mirror's: events are a history, read by the history writer, so 50 ms more
     * before they reach Kafka cost nothing, while larger batches cost the Kafka broker and the
     * history writer less per event (two events per connection) in a connect storm.
     */
    public static final int DEFAULT_LINGER_MS = 50;
    /** The most {@code lingerMs} accepted: events should not wait longer than a second. */
    public static final int MAX_LINGER_MS = 1_000;

    private boolean enabled = DEFAULT_ENABLED;
    private String topic = DEFAULT_TOPIC;
    private long heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
    private int maxQueuedEvents = DEFAULT_MAX_QUEUED_EVENTS;
    private int lingerMs = DEFAULT_LINGER_MS;

    /** @throws IllegalArgumentException naming the offending key under {@code prefix} */
    public void validate(String prefix) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException(prefix + ".topic must not be empty");
        }
        if (heartbeatIntervalMs <= 0) {
            throw new IllegalArgumentException(prefix + ".heartbeatIntervalMs must be positive, was " + heartbeatIntervalMs);
        }
        if (maxQueuedEvents <= 0) {
            throw new IllegalArgumentException(prefix + ".maxQueuedEvents must be positive, was " + maxQueuedEvents);
        }
        if (lingerMs < 0 || lingerMs > MAX_LINGER_MS) {
            throw new IllegalArgumentException(prefix + ".lingerMs must be between 0 and " + MAX_LINGER_MS + ", was " + lingerMs);
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public SessionEventsConfig setEnabled(boolean enabled) {
        this.enabled = enabled;
        return this;
    }

    public String getTopic() {
        return topic;
    }

    public SessionEventsConfig setTopic(String topic) {
        this.topic = topic;
        return this;
    }

    public long getHeartbeatIntervalMs() {
        return heartbeatIntervalMs;
    }

    /** How often each node publishes a {@code heartbeat} event. */
    public SessionEventsConfig setHeartbeatIntervalMs(long heartbeatIntervalMs) {
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        return this;
    }

    public int getMaxQueuedEvents() {
        return maxQueuedEvents;
    }

    /** Events waiting for the producer beyond this many are dropped (and counted), never blocking the broker. */
    public SessionEventsConfig setMaxQueuedEvents(int maxQueuedEvents) {
        this.maxQueuedEvents = maxQueuedEvents;
        return this;
    }

    public int getLingerMs() {
        return lingerMs;
    }

    /** The session-event producer's {@code linger.ms} (the mirror's producer keeps {@code kafka.producer.lingerMs}). */
    public SessionEventsConfig setLingerMs(int lingerMs) {
        this.lingerMs = lingerMs;
        return this;
    }
}
