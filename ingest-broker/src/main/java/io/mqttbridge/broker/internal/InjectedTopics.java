package io.mqttbridge.broker.internal;

import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.broker.sys.SysTopics;

/**
 * Which topics a message injected from outside MQTT (the Kafka downlink, the REST API) may not have:
 * the same a client's PUBLISH may not, so that no way in is wider than MQTT itself. A refused message
 * is refused again however often it is offered.
 */
public final class InjectedTopics {

    private InjectedTopics() {
    }

    /** Why {@code topic} is refused, or {@code null} when it is not. */
    public static String refusal(String topic, LimitsConfig limits) {
        String problem = TopicFilters.validateTopicName(topic);
        if (problem != null) {
            return "invalid topic name '" + topic + "': " + problem;
        }
        if (SysTopics.isSysTopic(topic)) {
            return "topic '" + topic + "' is in the $SYS tree, where only the broker publishes its statistics";
        }
        if (!limits.allowsTopicSize(topic)) {
            return "topic is past the broker's limits (" + limits.topicSizeLimits() + ")";
        }
        return null;
    }
}
