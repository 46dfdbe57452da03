package io.mqttbridge.broker.config;

/**
 * What a session does with a new message for its client when its queue is full (the client has
 * fallen behind for longer than the queue holds, or has been offline that long). Each overflow is
 * counted per client ({@code MqttBroker.deliveryState}) and in {@code mqtt.messages.dropped.queue-full}.
 */
public enum QueueOverflowPolicy {
    /** Drop the oldest queued message to make room (the newest data wins). */
    DROP_OLDEST,
    /** Drop the new message (what was queued first is delivered first). */
    DROP_NEWEST,
    /**
     * Disconnect a connected client that fell behind (MQTT 5: DISCONNECT 0x97 quota exceeded); its
     * persistent session keeps what is queued. The new message is dropped. While the client is
     * offline, it acts as {@link #DROP_NEWEST}.
     */
    DISCONNECT
}
