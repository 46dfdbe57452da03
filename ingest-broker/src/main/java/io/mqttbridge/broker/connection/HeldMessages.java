package io.mqttbridge.broker.connection;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * Packets that arrived while the CONNECT was being authenticated, replayed after CONNACK. Created
 * only for a connection that sends such packets (most wait for CONNACK). Event loop only.
 */
final class HeldMessages {

    private static final int MAX_MESSAGES = 1000;

    private final List<MqttMessage> messages = new ArrayList<>();
    private long bytes;

    /**
     * @param maxBytes the most bytes (estimated from payload and topic) held in all, 0 = no bound
     * @return false when too many messages or bytes would be held (the caller closes the connection)
     */
    boolean hold(MqttMessage message, long maxBytes) {
        if (messages.size() >= MAX_MESSAGES) {
            return false;
        }
        bytes += heldSize(message);
        if (maxBytes > 0 && bytes > maxBytes) {
            return false;
        }
        messages.add(message);
        return true;
    }

    List<MqttMessage> messages() {
        return messages;
    }

    private static long heldSize(MqttMessage message) {
        long size = 16;
        if (message instanceof MqttPublishMessage publish) {
            size += publish.payload().readableBytes() + 2L * publish.variableHeader().topicName().length();
        } else if (message instanceof MqttSubscribeMessage subscribe) {
            for (var topic : subscribe.payload().topicSubscriptions()) {
                size += 2L * topic.topicFilter().length() + 8;
            }
        } else if (message instanceof MqttUnsubscribeMessage unsubscribe) {
            for (String topic : unsubscribe.payload().topics()) {
                size += 2L * topic.length() + 8;
            }
        }
        return size;
    }
}
