package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.DeliveryFilter;
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
        for (Subscription subscription : List.copyOf(session.subscriptions())) {
            DeliveryFilter now = permissions.subscriptionFilter(subscription.filter());
            if (now == null) {
                session.unsubscribe(subscription.topicFilter());
                removed.add(subscription.topicFilter());
            } else if (now != subscription.deliveryFilter()) {
                session.subscribe(subscription.withDeliveryFilter(now));
            }
        }
        if (!removed.isEmpty() && session.sessionExpirySeconds() != 0 && !session.isEnded()) {
            session.manager().storeWriter().save(session.snapshot());
        }
        return removed;
    }
}
