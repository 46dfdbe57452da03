package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.DeliveryFilter;
import io.mqttbridge.broker.spi.SessionSnapshot.StoredSubscription;

import java.util.Objects;

/**
 * One subscription of one session, as stored in the topic tree.
 *
 * @param topicFilter the filter as the client sent it (with any {@code $share/group/} prefix)
 * @param filter the filter matched against topic names (without the share prefix)
 * @param shareGroup the share name, or {@code null} for a non-shared subscription
 * @param qos the granted QoS
 * @param retainHandling the MQTT 5 retain handling option (0 for 3.1.1)
 * @param subscriptionIdentifier the MQTT 5 subscription identifier, 0 for none
 * @param deliveryFilter which matched topics the client's permissions let through this subscription
 *     (decided when it was granted; {@link DeliveryFilter#ALL} when no rule hides any); not stored
 *     with the session: it is decided again from the permissions of the connection that resumes it
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
        int subscriptionIdentifier,
        DeliveryFilter deliveryFilter) {

    public static final String SHARE_PREFIX = "$share/";

    public Subscription {
        Objects.requireNonNull(deliveryFilter, "deliveryFilter");
    }

    /** A subscription through which every matched topic is delivered. */
    public Subscription(Session session, String topicFilter, String filter, String shareGroup, int qos, boolean noLocal,
                        boolean retainAsPublished, int retainHandling, int subscriptionIdentifier) {
        this(session, topicFilter, filter, shareGroup, qos, noLocal, retainAsPublished, retainHandling,
                subscriptionIdentifier, DeliveryFilter.ALL);
    }

    /** Whether a message on {@code topicName} (which the filter matches) may be delivered through it. */
    public boolean delivers(String topicName) {
        return deliveryFilter == DeliveryFilter.ALL || deliveryFilter.allows(topicName);
    }

    /** The same subscription with another delivery filter. */
    public Subscription withDeliveryFilter(DeliveryFilter newFilter) {
        return new Subscription(session, topicFilter, filter, shareGroup, qos, noLocal, retainAsPublished,
                retainHandling, subscriptionIdentifier, newFilter);
    }

    public StoredSubscription toStored() {
        return new StoredSubscription(topicFilter, qos, noLocal, retainAsPublished, retainHandling,
                subscriptionIdentifier == 0 ? null : subscriptionIdentifier);
    }
}
