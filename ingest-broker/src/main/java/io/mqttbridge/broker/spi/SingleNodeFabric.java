package io.mqttbridge.broker.spi;

import java.util.concurrent.CompletableFuture;

/** {@link ClusterFabric#SINGLE_NODE}: a broker alone. */
final class SingleNodeFabric implements ClusterFabric {

    static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    @Override
    public boolean isClustered() {
        return false;
    }

    @Override
    public void start(ClusterMember member) {
    }

    @Override
    public void stop() {
    }

    @Override
    public CompletableFuture<Void> subscriptionAdded(String topicFilter) {
        return DONE;
    }

    @Override
    public void subscriptionRemoved(String topicFilter) {
    }

    @Override
    public Forwarding forward(PublishedMessage message) {
        return Forwarding.LOCAL_ONLY;
    }

    @Override
    public CompletableFuture<Void> claim(String clientId) {
        return DONE;
    }

    @Override
    public boolean isHolder(String clientId) {
        return true;
    }
}
