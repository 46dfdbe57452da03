package io.mqttbridge.broker.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * An application message as the broker accepted it from a publisher (a device, or the Kafka
 * downlink through {@link MessagePublisher}). Immutable by contract: the payload and correlation
 * data arrays are shared, never copied, and nobody may write to them.
 *
 * @param topic the topic name (never a filter)
 * @param payload the payload bytes, possibly empty, never {@code null}
 * @param qos the QoS the publisher used, 0..2
 * @param retain the RETAIN flag as published
 * @param clientId the publisher's client identifier ({@code null} for messages injected by the bridge)
 * @param username the publisher's user name, or {@code null}
 * @param protocolVersion the publisher's protocol version ({@code null} for injected messages)
 * @param receivedAt when the broker received the PUBLISH
 * @param properties MQTT 5 message properties, {@link MessageProperties#NONE} when there are none
 */
public record PublishedMessage(
        String topic,
        byte[] payload,
        int qos,
        boolean retain,
        String clientId,
        String username,
        MqttVersion protocolVersion,
        Instant receivedAt,
        MessageProperties properties) {

    public PublishedMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(receivedAt, "receivedAt");
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        if (properties == null) {
            properties = MessageProperties.NONE;
        }
    }
}
