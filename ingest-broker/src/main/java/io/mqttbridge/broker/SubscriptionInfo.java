package io.mqttbridge.broker;

/**
 * A subscription of a session, as reported by {@link MqttBroker#subscriptionsOf(String)}.
 *
 * @param topicFilter the filter as the client sent it (shared ones with their {@code $share/group/} prefix)
 * @param qos the granted QoS
 * @param subscriptionIdentifier the MQTT 5 subscription identifier, or {@code null}
 */
public record SubscriptionInfo(String topicFilter, int qos, boolean noLocal, boolean retainAsPublished,
                               int retainHandling, Integer subscriptionIdentifier) {
}
