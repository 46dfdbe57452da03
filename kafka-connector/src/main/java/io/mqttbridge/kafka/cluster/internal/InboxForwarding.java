package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.Forwarding;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends messages into other nodes' inboxes: a message accepted here to every node with a matching
 * subscription (one record per node, the shared groups it serves named in it), a message that
 * reached a session after it moved to another node on to that node, and a dead node's shared-group
 * messages to a node with a live member. Never blocks: records go through the data sender.
 */
public final class InboxForwarding {

    private final String nodeId;
    private final String instanceId;
    private final ClusterConfig config;
    private final RecordSender data;
    private final RouteTable routes;
    private final NodeLiveness liveness;
    private final ClaimTable claims;
    private final InboxRecords records;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong reforwarded = new AtomicLong();

    public InboxForwarding(String nodeId, String instanceId, ClusterConfig config, RecordSender data, RouteTable routes,
            NodeLiveness liveness, ClaimTable claims) {
        this.nodeId = nodeId;
        this.instanceId = instanceId;
        this.config = config;
        this.data = data;
        this.routes = routes;
        this.liveness = liveness;
        this.claims = claims;
        this.records = new InboxRecords(nodeId);
    }

    /** The outcome of a forward on a node cut off from Kafka: no acknowledgement for the publisher. */
    public static Forwarding refused(String nodeId) {
        CompletableFuture<Void> failed = CompletableFuture.failedFuture(new PublishRejectedException(
                MqttReasonCode.UNSPECIFIED_ERROR, "node " + nodeId + " is cut off from the cluster's Kafka", null));
        return new Forwarding() {
            @Override
            public CompletableFuture<Void> acknowledged() {
                return failed;
            }

            @Override
            public boolean servesSharedGroupLocally(String sharedTopicFilter) {
                return true;
            }
        };
    }

    /** Sends {@code message}, accepted on this node, to the other nodes whose subscriptions need it. */
    public Forwarding forward(PublishedMessage message) {
        RouteDirectory.Decision decision = routes.decide(message.topic(), liveness::isAlive);
        Set<String> targets = decision.targetNodes();
        if (targets.isEmpty()) {
            return Forwarding.LOCAL_ONLY;
        }
        List<CompletableFuture<Void>> sent = new ArrayList<>(targets.size());
        for (String target : targets) {
            sent.add(data.send(records.create(config.inboxTopic(target), message,
                    decision.nonSharedNodes().contains(target), decision.sharedByNode().get(target), nextMessageId())));
        }
        CompletableFuture<Void> acknowledged = sent.size() == 1 ? sent.get(0)
                : CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
        Set<String> elsewhere = decision.sharedElsewhere();
        return new Forwarding() {
            @Override
            public CompletableFuture<Void> acknowledged() {
                return acknowledged;
            }

            @Override
            public boolean servesSharedGroupLocally(String sharedTopicFilter) {
                return !elsewhere.contains(sharedTopicFilter);
            }
        };
    }

    /**
     * Sends {@code message}, which reached {@code clientId}'s session here after it moved away, to
     * the node that holds the client now; at once done when that is this node or nobody.
     */
    public CompletableFuture<Void> reforward(String clientId, PublishedMessage message) {
        String holder = claims.holderOf(clientId).orElse(null);
        if (holder == null || holder.equals(nodeId)) {
            return CompletableFuture.completedFuture(null);
        }
        reforwarded.incrementAndGet();
        return data.send(records.reforwarded(config.inboxTopic(holder), message, clientId, nextMessageId()));
    }

    /**
     * Sends {@code message} to a live node with a member of {@code sharedTopicFilter}, for that group
     * only; completes with false when no live node other than this one has a member.
     */
    public CompletableFuture<Boolean> sendToSharedGroup(PublishedMessage message, String sharedTopicFilter) {
        for (String node : routes.otherNodesWith(sharedTopicFilter)) {
            if (liveness.isAlive(node)) {
                ProducerRecord<byte[], byte[]> record = records.create(config.inboxTopic(node), message, false,
                        List.of(sharedTopicFilter), nextMessageId());
                return data.send(record).thenApply(ignored -> true);
            }
        }
        return CompletableFuture.completedFuture(false);
    }

    /** Messages sent on to the node a session moved to, after the session left this node. */
    public long reforwarded() {
        return reforwarded.get();
    }

    private String nextMessageId() {
        return nodeId + ":" + instanceId + ":" + sequence.incrementAndGet();
    }
}
