package io.mqttbridge.broker.session;

import io.mqttbridge.broker.metrics.BrokerMetrics;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.topic.TopicTree;
import java.util.concurrent.CompletableFuture;

/**
 * Puts the sessions' subscriptions into the topic tree the router matches messages against and
 * takes them out again, keeping the subscription count and telling the cluster fabric which
 * filters this node now routes (once per filter, not once per session).
 *
 * <p>Threading: called in a session's tasks (on its executor); the topic tree is lock-free and the
 * fabric's route announcements are safe from any thread.
 */
final class SubscriptionRoutes {

    private static final CompletableFuture<Void> ANNOUNCED = CompletableFuture.completedFuture(null);

    private final TopicTree<Subscription> tree;
    private final BrokerMetrics metrics;
    private final ClusterFabric fabric;

    SubscriptionRoutes(TopicTree<Subscription> tree, BrokerMetrics metrics, ClusterFabric fabric) {
        this.tree = tree;
        this.metrics = metrics;
        this.fabric = fabric;
    }

    /**
     * Adds {@code subscription} or replaces the session's one with the same filter ({@code isNew} false).
     *
     * @return completes once the cluster can find the filter here (see {@link ClusterFabric#subscriptionAdded})
     */
    CompletableFuture<Void> add(Subscription subscription, boolean isNew) {
        boolean replaced = tree.add(subscription.filter(), subscription.shareGroup(), subscription.session(), subscription);
        if (isNew) {
            metrics.subscriptions(1);
        }
        return replaced ? ANNOUNCED : fabric.subscriptionAdded(subscription.topicFilter());
    }

    /** Removes {@code subscription} if the tree has it. */
    void remove(Subscription subscription) {
        if (tree.remove(subscription.filter(), subscription.shareGroup(), subscription.session()) != null) {
            metrics.subscriptions(-1);
            fabric.subscriptionRemoved(subscription.topicFilter());
        }
    }
}
