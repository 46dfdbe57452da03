package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.SessionSnapshot.StoredSubscription;

/**
 * One subscription of one session, as stored in the topic tree.
 *
 * @param topicFilter the filter as the client sent it (with any {@code $share/group/} prefix)
 * @param filter the filter matched against topic names (without the share prefix)
 * @param shareGroup the share name, or {@code null} for a non-shared subscription
 * @param qos the granted QoS
 * @param retainHandling the MQTT 5 retain handling option (0 for 3.1.1)
 * @param subscriptionIdentifier the MQTT 5 subscription identifier, 0 for none
 */
public record Subscription(
        Session session,
        String topicFilter,
        String filter,
        String shareGroup,
        int qos,
        boolean noLocal,
        boolean retainAsPublished,
        int retainHandling,
        int subscriptionIdentifier) {

    public static final String SHARE_PREFIX = "$share/";

    public StoredSubscription toStored() {
        return new StoredSubscription(topicFilter, qos, noLocal, retainAsPublished, retainHandling,
                subscriptionIdentifier == 0 ? null : subscriptionIdentifier);
    }
}
