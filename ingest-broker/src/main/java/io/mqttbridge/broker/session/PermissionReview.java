package io.mqttbridge.broker.session;

import io.mqttbridge.broker.metrics.BrokerMetrics.DropReason;
import io.mqttbridge.broker.spi.DeliveryFilter;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.broker.spi.TopicPermissions;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides a session's subscriptions again under permissions that may have changed since they were
 * made: those of a connection resuming the session (another identity's rules, or rules edited while
 * it was away), or a device's rules changed by an operator. A subscription no longer allowed is
 * removed; the others get the delivery filter the rules now give them.
 *
 * <p>Threading: stateless; runs in a task of the session. Every connect of a session comes through
 * here, so a session without subscriptions costs nothing.
 */
final class PermissionReview {

    private PermissionReview() {
    }

    /** See {@link Session#applyPermissions}. */
    static List<String> apply(Session session, TopicPermissions permissions) {
        if (!session.hasSubscriptions()) {
            // Every connect of a session applies its permissions: most have nothing to decide again.
            return List.of();
        }
        List<String> removed = new ArrayList<>(0);
        boolean narrowed = false;
        for (Subscription subscription : List.copyOf(session.subscriptions())) {
            DeliveryFilter now = permissions.subscriptionFilter(subscription.filter());
            if (now == null) {
                session.unsubscribe(subscription.topicFilter());
                removed.add(subscription.topicFilter());
            } else if (now != subscription.deliveryFilter()) {
                session.subscribe(subscription.withDeliveryFilter(now));
                narrowed = true;
            }
        }
        OutboundQosFlows outbound = session.outboundIfAny();
        if ((narrowed || !removed.isEmpty()) && outbound != null) {
            // What waits in the queue came through the old rules: what they no longer allow is not sent.
            int dropped = outbound.dropQueuedIf(topic -> !deliveredBySubscription(session, topic));
            for (int i = 0; i < dropped; i++) {
                session.manager().metrics().dropped(DropReason.NOT_AUTHORIZED);
            }
        }
        if (!removed.isEmpty() && session.sessionExpirySeconds() != 0 && !session.isEnded()) {
            session.manager().storeWriter().save(session.snapshot());
        }
        return removed;
    }

    /**
     * Whether a subscription the session has now would deliver {@code topic}: a message queued
     * through one that the rules removed or narrowed since is not sent. Shared subscriptions count
     * too (a member that lost its group's filter hands its queued messages to another member when it
     * unsubscribes).
     */
    static boolean deliveredBySubscription(Session session, String topic) {
        for (Subscription subscription : session.subscriptions()) {
            if (TopicFilters.matches(subscription.filter(), topic) && subscription.delivers(topic)) {
                return true;
            }
        }
        return false;
    }
}
