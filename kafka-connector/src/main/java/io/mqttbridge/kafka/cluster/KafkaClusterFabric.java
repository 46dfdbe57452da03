package io.mqttbridge.kafka.cluster;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.cluster.internal.ClaimTable;
import io.mqttbridge.kafka.cluster.internal.ClusterConsumers;
import io.mqttbridge.kafka.cluster.internal.ClusterTopicAdmin;
import io.mqttbridge.kafka.cluster.internal.ControlDispatch;
import io.mqttbridge.kafka.cluster.internal.ControlReader;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.ClaimType;
import io.mqttbridge.kafka.cluster.internal.DaemonThreads;
import io.mqttbridge.kafka.cluster.internal.DeadNodeRecovery;
import io.mqttbridge.kafka.cluster.internal.InboxDelivery;
import io.mqttbridge.kafka.cluster.internal.InboxForwarding;
import io.mqttbridge.kafka.cluster.internal.InboxReader;
import io.mqttbridge.kafka.cluster.internal.KafkaLossWatch;
import io.mqttbridge.kafka.cluster.internal.NodeLiveness;
import io.mqttbridge.kafka.cluster.internal.RecordSender;
import io.mqttbridge.kafka.cluster.internal.RecoveryClaims;
import io.mqttbridge.kafka.cluster.internal.RouteTable;
import io.mqttbridge.kafka.mirror.MessageSizeLimits;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClusterFabric} on Kafka: broker nodes that share one Kafka cluster (and one session
 * store and retained store) behave as one broker. No consensus of its own: Kafka's partitions give
 * the order that decides between nodes, compacted topics keep the shared state. See
 * docs/ARCHITECTURE.md, "Cluster", for the topics and record formats. This class joins the parts,
 * each of one concern, in {@code internal}:
 * <ul>
 *   <li>{@link RouteTable}: which node subscribes to which filter (routes topic);</li>
 *   <li>{@link NodeLiveness}: heartbeats and which nodes are alive (nodes topic);</li>
 *   <li>{@link ClaimTable}: which node holds each client id, and the hand-over (claims topic);</li>
 *   <li>{@link InboxForwarding}, {@link InboxReader}, {@link InboxDelivery}: messages between
 *       nodes (one inbox topic per node);</li>
 *   <li>{@link DeadNodeRecovery}: what a dead node's inbox and stored sessions still held, recovered
 *       by one survivor ({@link RecoveryClaims});</li>
 *   <li>{@link ControlDispatch}: the control topics' records to the parts above.</li>
 * </ul>
 * {@link KafkaLossWatch} isolates a node whose heartbeats have not reached Kafka for
 * {@link ClusterConfig#getKafkaLossTimeoutMs()}: it closes its clients and refuses to acknowledge.
 *
 * <p>Threading: the {@link ClusterFabric} methods never block (records go to send threads); one
 * thread reads the control topics, one the inbox, one scheduler runs heartbeats and timeouts, one
 * thread reads dead nodes' inboxes.
 */
public final class KafkaClusterFabric implements ClusterFabric, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaClusterFabric.class);

    private final ClusterConfig config;
    private final String nodeId;
    private final String bootstrapServers;
    private final Producer<byte[], byte[]> producer;
    private final Map<String, String> inboxTopicConfigs;
    private final RecordSender dataSender;
    private final RecordSender controlSender;
    private final ScheduledExecutorService scheduler;
    private final NodeLiveness liveness;
    private final RouteTable routes;
    private final ClaimTable claims;
    private final InboxForwarding forwarding;
    private final DeadNodeRecovery recovery;
    private final RecoveryClaims recoveryClaims;
    private final KafkaLossWatch lossWatch;
    private volatile ClusterMember member;
    private volatile ControlReader controlReader;
    private volatile InboxReader inboxReader;
    private volatile boolean stopped;

    /**
     * @param producer an idempotent producer with {@code acks=all}; the fabric owns and closes it
     * @param sizes what the inbox topic (forwarded messages) is created to admit
     */
    public KafkaClusterFabric(String bootstrapServers, ClusterConfig config, String nodeId,
            Producer<byte[], byte[]> producer, MessageSizeLimits sizes, MetricRegistry metrics) {
        config.validate("cluster", nodeId);
        this.config = config;
        this.nodeId = nodeId;
        this.bootstrapServers = bootstrapServers;
        this.producer = producer;
        this.inboxTopicConfigs = sizes.topicConfigs();
        this.dataSender = new RecordSender("cluster-forward-send-" + nodeId, producer, true);
        this.controlSender = new RecordSender("cluster-control-send-" + nodeId, producer, false);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("cluster-scheduler-" + nodeId));
        this.liveness = new NodeLiveness(nodeId, config, controlSender);
        this.routes = new RouteTable(nodeId, config, controlSender);
        this.claims = new ClaimTable(nodeId, liveness.instanceId(), config, controlSender, liveness, scheduler,
                () -> member);
        this.recoveryClaims = new RecoveryClaims(nodeId, liveness.instanceId(), config, controlSender);
        this.forwarding = new InboxForwarding(nodeId, liveness.instanceId(), config, dataSender, routes, liveness, claims);
        this.recovery = new DeadNodeRecovery(nodeId, config, this::consumerProperties, () -> member,
                routes, liveness, forwarding, recoveryClaims);
        this.lossWatch = new KafkaLossWatch(nodeId, config, liveness, () -> member, this::readersDown);
        ClusterMetrics.register(metrics, this);
    }

    /** A fabric with its own producer built from {@code producerSettings} (acks=all, idempotent). */
    public static KafkaClusterFabric create(String bootstrapServers, ClusterConfig config, String nodeId,
            ProducerSettings producerSettings, MessageSizeLimits sizes, MetricRegistry metrics) {
        config.validate("cluster", nodeId);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                producerSettings.toProperties(bootstrapServers, "mqtt-cluster-" + nodeId));
        return new KafkaClusterFabric(bootstrapServers, config, nodeId, producer, sizes, metrics);
    }

    @Override
    public boolean isClustered() {
        return true;
    }

    /**
     * Creates the cluster's topics if needed, reads the cluster's state, refuses a node id that a
     * live node already uses, then starts heartbeats and the inbox.
     *
     * @throws IllegalStateException naming {@code nodeId} when another live node uses it, or when
     *     Kafka cannot be read within {@code cluster.startupTimeoutMs}
     */
    @Override
    public synchronized void start(ClusterMember clusterMember) {
        if (member != null) {
            throw new IllegalStateException("cluster fabric already started");
        }
        member = clusterMember;
        ClusterTopicAdmin.ensureTopics(bootstrapServers, config.getConsumerProperties(),
                Set.of(config.routesTopic(), config.claimsTopic(), config.nodesTopic()), config.getControlPartitions(),
                config.inboxTopic(nodeId), config.getInboxPartitions(), inboxTopicConfigs, config.getReplicationFactor(),
                config.getStartupTimeoutMs());
        controlReader = new ControlReader(new KafkaConsumer<>(consumerProperties(null)),
                List.of(config.routesTopic(), config.nodesTopic(), config.claimsTopic()),
                new ControlDispatch(config, routes, liveness, recoveryClaims, claims), nodeId);
        try {
            controlReader.startAndCatchUp(Duration.ofMillis(config.getStartupTimeoutMs()));
            liveness.refuseDuplicateNodeId();
            liveness.sendHeartbeat().get(config.getStartupTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            controlReader.close();
            member = null;
            if (e instanceof IllegalStateException illegal) {
                throw illegal;
            }
            throw new IllegalStateException("cluster: node " + nodeId + " cannot write to Kafka at " + bootstrapServers
                    + ": " + e, e);
        }
        lossWatch.started();
        // Filters this node had before a crash or stop: gone unless a restored session subscribes again.
        scheduler.schedule(routes::removeStaleOwnFilters, config.getNodeTimeoutMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::tick, config.getHeartbeatIntervalMs(), config.getHeartbeatIntervalMs(),
                TimeUnit.MILLISECONDS);
        inboxReader = new InboxReader(new KafkaConsumer<>(ClusterConsumers.ownInboxProperties(config,
                bootstrapServers, nodeId)), config.inboxTopic(nodeId),
                new InboxDelivery(nodeId, clusterMember, claims, liveness), nodeId);
        inboxReader.start();
        LOG.info("cluster: node {} joined; live nodes {}", nodeId, liveNodes());
    }

    private Properties consumerProperties(String groupId) {
        return ClusterConsumers.properties(config, bootstrapServers, nodeId, groupId);
    }

    /** Every heartbeat interval: heartbeat, the Kafka-loss check, and recovery of nodes that died. */
    private void tick() {
        try {
            if (!stopped && lossWatch.tick()) {
                for (String dead : liveness.newlyDeadNodes()) {
                    recovery.recoverSharedGroups(dead);
                }
                recovery.closeIdleInboxes();
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster: heartbeat failed", e);
        }
    }

    private boolean readersDown() {
        // The inbox reader starts after the first heartbeats were scheduled.
        ControlReader control = controlReader;
        InboxReader inbox = inboxReader;
        return control != null && !control.isAlive() || inbox != null && !inbox.isAlive();
    }

    @Override
    public CompletableFuture<Void> subscriptionAdded(String topicFilter) {
        return routes.added(topicFilter);
    }

    @Override
    public void subscriptionRemoved(String topicFilter) {
        routes.removed(topicFilter);
    }

    @Override
    public Forwarding forward(PublishedMessage message) {
        return lossWatch.isIsolated() ? InboxForwarding.refused(nodeId) : forwarding.forward(message);
    }

    @Override
    public CompletableFuture<Void> claim(String clientId) {
        return claim(clientId, null);
    }

    @Override
    public CompletableFuture<Void> claim(String clientId, String owner) {
        if (lossWatch.isIsolated() || stopped) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + nodeId + " is not in the cluster"));
        }
        return claims.claim(clientId, owner);
    }

    @Override
    public void claimSettled(String clientId) {
        claims.settled(clientId);
    }

    @Override
    public String holderOwner(String clientId) {
        return claims.holderOwner(clientId);
    }

    @Override
    public void sessionEnded(String clientId) {
        if (!stopped) {
            claims.sessionEnded(clientId);
        }
    }

    @Override
    public long reforwardWindowMillis() {
        return config.getNodeTimeoutMs();
    }

    @Override
    public CompletableFuture<Void> reforward(String clientId, PublishedMessage message) {
        return stopped ? CompletableFuture.completedFuture(null) : forwarding.reforward(clientId, message);
    }

    @Override
    public CompletableFuture<Boolean> forwardToSharedGroup(PublishedMessage message, String sharedTopicFilter) {
        return lossWatch.isIsolated() || stopped ? CompletableFuture.completedFuture(false)
                : forwarding.sendToSharedGroup(message, sharedTopicFilter);
    }

    /** See {@link ClusterFabric#recoverFromDeadHolder} and {@link DeadNodeRecovery#recoverForClient}. */
    @Override
    public CompletableFuture<Void> recoverFromDeadHolder(String clientId) {
        String dead = claims.takeDeadPredecessor(clientId);
        if (dead == null || member == null) {
            return CompletableFuture.completedFuture(null);
        }
        return recovery.recoverForClient(clientId, dead);
    }

    @Override
    public boolean hasDeadHolder(String clientId) {
        return claims.hasDeadPredecessor(clientId);
    }

    @Override
    public void forgetDeadHolder(String clientId) {
        claims.takeDeadPredecessor(clientId);
    }

    /** Messages handed to sessions or shared-group members from dead nodes' inboxes by this node. */
    public long recoveredMessages() {
        return recovery.recovered();
    }

    /** How many times this node opened a dead node's inbox for the clients resuming here (once per failover). */
    public long deadInboxesOpened() {
        return recovery.deadInboxesOpened();
    }

    /** Messages this node sent on to the node a session moved to, after the session left. */
    public long reforwardedRecords() {
        return forwarding.reforwarded();
    }

    @Override
    public boolean isHolder(String clientId) {
        return claims.isHolder(clientId);
    }

    /** The node that holds {@code clientId} per the claims topic (the node it last connected to). */
    public Optional<String> holderOf(String clientId) {
        return claims.holderOf(clientId);
    }

    /** Asks the node that holds {@code clientId}, wherever it is, to do {@code request}. @return whether a holder is known */
    public boolean requestOfHolder(String clientId, HolderRequest request) {
        return claims.request(clientId, request == HolderRequest.END_SESSION ? ClaimType.END : ClaimType.DISCONNECT);
    }

    public String nodeId() {
        return nodeId;
    }

    /** The nodes whose last heartbeat is recent, this one included, sorted. */
    public Set<String> liveNodes() {
        Set<String> live = new TreeSet<>(liveness.liveOthers());
        if (member != null && !stopped) {
            live.add(nodeId);
        }
        return live;
    }

    /** Whether this node knows that {@code node} subscribes to {@code topicFilter}. */
    public boolean knowsRoute(String node, String topicFilter) {
        return routes.knows(node, topicFilter);
    }

    /** Messages this node sent to other nodes' inboxes (one record per target node). */
    public long forwardedRecords() {
        return dataSender.records();
    }

    /** Estimated bytes of the records this node forwarded (payload, key, headers, record overhead). */
    public long forwardedBytes() {
        return dataSender.bytes();
    }

    /** Records this node read from its own inbox. */
    public long inboxRecords() {
        InboxReader reader = inboxReader;
        return reader == null ? 0 : reader.received();
    }

    /** Whether this node could not reach Kafka for {@code cluster.kafkaLossTimeoutMs} and closed its clients. */
    public boolean isIsolated() {
        return lossWatch.isIsolated();
    }

    @Override
    public synchronized void stop() {
        if (stopped || member == null) {
            return;
        }
        stopped = true;
        claims.stopHandingOver();
        if (inboxReader != null) {
            inboxReader.close();
        }
        // A clean leave: other nodes stop waiting for this one at once. Its routes stay so that
        // messages for its persistent sessions wait in its inbox until it is back.
        try {
            liveness.announceLeave().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("cluster: node {} could not announce its leave: {}", nodeId, e.toString());
        }
        if (controlReader != null) {
            controlReader.close();
        }
        scheduler.shutdownNow();
    }

    @Override
    public void close() {
        stop();
        scheduler.shutdownNow();
        recovery.shutdown();
        dataSender.close(5_000);
        controlSender.close(5_000);
        producer.close(Duration.ofSeconds(5));
    }

    /** Stops this node's part of the cluster at once, as {@code kill -9} would (for tests); {@link #close} releases the rest. */
    public synchronized void halt() {
        if (stopped || member == null) {
            return;
        }
        stopped = true;
        scheduler.shutdownNow();
        if (inboxReader != null) {
            inboxReader.halt();
        }
        if (controlReader != null) {
            controlReader.close();
        }
    }
}
