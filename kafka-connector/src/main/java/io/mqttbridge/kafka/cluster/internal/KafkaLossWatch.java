package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.ClusterMember;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this node's heartbeats and watches that they reach Kafka. A node whose heartbeats have not
 * been acknowledged for {@code kafkaLossTimeoutMs}, or whose readers of the cluster's topics
 * stopped, is isolated: it closes every client (they reconnect through the load balancer to nodes
 * that still reach Kafka) and refuses CONNECTs and acknowledgements until a heartbeat gets through
 * again. Runs on the fabric's scheduler thread; {@link #isIsolated} is safe from any thread.
 */
public final class KafkaLossWatch {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaLossWatch.class);

    private final String nodeId;
    private final ClusterConfig config;
    private final NodeLiveness liveness;
    private final Supplier<ClusterMember> member;
    private final BooleanSupplier readersDown;
    private volatile long lastHeartbeatAckMillis = System.currentTimeMillis();
    private volatile boolean isolated;

    /** @param readersDown whether a reader of the cluster's topics stopped on an error */
    public KafkaLossWatch(String nodeId, ClusterConfig config, NodeLiveness liveness, Supplier<ClusterMember> member,
            BooleanSupplier readersDown) {
        this.nodeId = nodeId;
        this.config = config;
        this.liveness = liveness;
        this.member = member;
        this.readersDown = readersDown;
    }

    /** The first heartbeat was acknowledged (at start). */
    public void started() {
        lastHeartbeatAckMillis = System.currentTimeMillis();
    }

    /**
     * Sends a heartbeat and checks the previous ones.
     *
     * @return whether the node is in the cluster (not isolated)
     */
    public boolean tick() {
        liveness.sendHeartbeat().whenComplete((ignored, error) -> {
            if (error == null) {
                lastHeartbeatAckMillis = System.currentTimeMillis();
                if (isolated && !readersDown.getAsBoolean()) {
                    isolated = false;
                    LOG.warn("cluster: node {} reaches Kafka again and accepts clients", nodeId);
                }
            }
        });
        long silent = System.currentTimeMillis() - lastHeartbeatAckMillis;
        boolean down = readersDown.getAsBoolean();
        if (silent <= config.getKafkaLossTimeoutMs() && !down) {
            return !isolated;
        }
        if (!isolated) {
            isolated = true;
            if (down) {
                LOG.error("cluster: node {} stopped reading the cluster's Kafka topics (see the error above):"
                        + " closing its clients so that they reconnect to other nodes", nodeId);
            } else {
                LOG.error("cluster: node {} could not write to Kafka for {} ms (cluster.kafkaLossTimeoutMs):"
                        + " closing its clients so that they reconnect to other nodes", nodeId, silent);
            }
        }
        ClusterMember current = member.get();
        if (current != null) {
            current.disconnectAll();
        }
        return false;
    }

    /** Whether this node could not reach Kafka for {@code kafkaLossTimeoutMs} and closed its clients. */
    public boolean isIsolated() {
        return isolated;
    }
}
