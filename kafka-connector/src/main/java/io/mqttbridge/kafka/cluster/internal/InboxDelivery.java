package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.ClusterMember;
import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Hands the records of this node's inbox to the broker ({@link ClusterMember#deliverForwarded}):
 * <ul>
 *   <li>a record re-forwarded for one session waits until the CONNECT that brought the session
 *       here settled (the session is restored by then), so that it is not dropped for want of a
 *       session;</li>
 *   <li>the shared-group part of a record below the offsets another node already recovered while
 *       this node was dead is dropped: a surviving member had it.</li>
 * </ul>
 * Called on the inbox reader's thread.
 */
public final class InboxDelivery implements InboxReader.Delivery {

    private static final CompletableFuture<Integer> NONE = CompletableFuture.completedFuture(0);

    private final String nodeId;
    private final ClusterMember member;
    private final ClaimTable claims;
    private final NodeLiveness liveness;

    public InboxDelivery(String nodeId, ClusterMember member, ClaimTable claims, NodeLiveness liveness) {
        this.nodeId = nodeId;
        this.member = member;
        this.claims = claims;
        this.liveness = liveness;
    }

    @Override
    public CompletableFuture<Integer> deliver(PublishedMessage message, ForwardedScope scope, int partition, long offset) {
        ForwardedScope effective = scope;
        if (!scope.sharedTopicFilters().isEmpty()
                && offset < liveness.sharedRecovered(nodeId).getOrDefault(partition, 0L)) {
            effective = new ForwardedScope(scope.nonShared(), Set.of(), scope.onlyClient());
            if (!effective.nonShared() && effective.onlyClient() == null) {
                return NONE;
            }
        }
        if (effective.onlyClient() != null) {
            CompletableFuture<Void> settled = claims.settling(effective.onlyClient());
            if (settled != null && !settled.isDone()) {
                ForwardedScope waiting = effective;
                return settled.thenCompose(ignored -> member.deliverForwarded(message, waiting));
            }
        }
        return member.deliverForwarded(message, effective);
    }
}
