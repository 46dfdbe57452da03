package io.mqttbridge.broker;

import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.Subscription;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A subscription of a session, as reported by {@link MqttBroker#subscriptionsOf(String)}.
 *
 * @param topicFilter the filter as the client sent it (shared ones with their {@code $share/group/} prefix)
 * @param qos the granted QoS
 * @param subscriptionIdentifier the MQTT 5 subscription identifier, or {@code null}
 */
public record SubscriptionInfo(String topicFilter, int qos, boolean noLocal, boolean retainAsPublished,
                               int retainHandling, Integer subscriptionIdentifier) {

    /** The subscriptions of {@code session}, sorted by filter; on any thread (a snapshot of its map). */
    static List<SubscriptionInfo> of(Session session) {
        List<SubscriptionInfo> result = new ArrayList<>();
        for (Subscription s : session.subscriptions()) {
            result.add(new SubscriptionInfo(s.topicFilter(), s.qos(), s.noLocal(), s.retainAsPublished(),
                    s.retainHandling(), s.subscriptionIdentifier() == 0 ? null : s.subscriptionIdentifier()));
        }
        result.sort(Comparator.comparing(SubscriptionInfo::topicFilter));
        return result;
    }
}
