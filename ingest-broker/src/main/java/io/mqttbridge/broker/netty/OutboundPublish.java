package io.mqttbridge.broker.netty;

/**
 * One PUBLISH to one subscriber: the shared, pre-encoded parts of the message plus what differs
 * per subscriber. Encoded by {@link PacketEncoder} without copying the payload.
 *
 * @param topicAlias the MQTT 5 topic alias to send, 0 for none
 * @param sendTopicName false when the topic alias alone identifies the topic (the name is sent empty)
 * @param remainingExpirySeconds the message expiry interval to forward, or -1 for none
 * @param subscriptionIdentifiers the MQTT 5 subscription identifiers, possibly empty
 */
public record OutboundPublish(
        RoutedMessage message,
        boolean mqtt5,
        int qos,
        boolean dup,
        boolean retain,
        int packetId,
        int topicAlias,
        boolean sendTopicName,
        long remainingExpirySeconds,
        int[] subscriptionIdentifiers) {

    /** The size of the properties section's content (without its own length prefix). */
    public int propertiesLength() {
        int length = message.sharedPropertiesLength();
        if (remainingExpirySeconds >= 0) {
            length += 5;
        }
        if (topicAlias > 0) {
            length += 3;
        }
        for (int id : subscriptionIdentifiers) {
            length += 1 + MqttWire.variableByteIntegerSize(id);
        }
        return length;
    }

    public int remainingLength() {
        int length = 2 + (sendTopicName ? message.topicUtf8().length : 0);
        if (qos > 0) {
            length += 2;
        }
        if (mqtt5) {
            int properties = propertiesLength();
            length += MqttWire.variableByteIntegerSize(properties) + properties;
        }
        return length + message.payload().readableBytes();
    }

    /** The whole packet's size in bytes, as compared against a client's Maximum Packet Size. */
    public int packetSize() {
        int remaining = remainingLength();
        return 1 + MqttWire.variableByteIntegerSize(remaining) + remaining;
    }
}
