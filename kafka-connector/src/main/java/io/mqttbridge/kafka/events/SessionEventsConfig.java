package io.mqttbridge.kafka.events;

/** Where and how session events are published. */
public class SessionEventsConfig {

    public static final boolean DEFAULT_ENABLED = true;
    public static final String DEFAULT_TOPIC = "mqtt.session-events";
    public static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
    public static final int DEFAULT_MAX_QUEUED_EVENTS = 10_000;

    private boolean enabled = DEFAULT_ENABLED;
    private String topic = DEFAULT_TOPIC;
    private long heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
    private int maxQueuedEvents = DEFAULT_MAX_QUEUED_EVENTS;

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
}
