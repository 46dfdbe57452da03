package io.mqttbridge.kafka.cluster;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.broker.spi.PublishRejectedException;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.cluster.internal.ClusterTopicAdmin;
import io.mqttbridge.kafka.cluster.internal.ControlReader;
import io.mqttbridge.kafka.cluster.internal.ControlRecords;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.ClaimRecord;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.ClaimType;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.Heartbeat;
import io.mqttbridge.kafka.cluster.internal.DeadInboxReader;
import io.mqttbridge.kafka.cluster.internal.InboxReader;
import io.mqttbridge.kafka.cluster.internal.InboxRecords;
import io.mqttbridge.kafka.cluster.internal.RouteDirectory;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.mirror.internal.MirrorRecordFactory;
import io.mqttbridge.kafka.mirror.internal.PendingSend;
import io.mqttbridge.kafka.mirror.internal.SendFailures;
import io.mqttbridge.kafka.mirror.internal.SendThread;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ClusterFabric} on Kafka: broker nodes that share one Kafka cluster (and one session
 * store and retained store) behave as one broker. No consensus of its own: Kafka's partitions give
 * the order that decides between nodes, compacted topics keep the shared state. See
 * docs/ARCHITECTURE.md, "Cluster", for the topics and record formats.
 *
 * <ul>
 *   <li>Routes: each node writes the filters its sessions subscribe to (first subscriber: a record;
 *       last one gone: a tombstone) into a compacted topic that every node reads whole into a
 *       topic tree of filter to nodes. A message accepted on a node is sent to the inbox topic of
 *       exactly the nodes with a matching subscription; each shared group is served by one node,
 *       round-robin over the live nodes with members.</li>
 *   <li>Inbox: one topic per node, keyed by publisher client id (per-publisher order), consumed
 *       by that node's own consumer group; offsets are committed after the local hand-over.</li>
 *   <li>Claims: a compacted topic keyed by client id. A connecting node writes a claim and waits to
 *       read it back; partition order makes the last claim the holder. The previous holder
 *       disconnects the client, saves its session and writes a release; the claimer waits for it
 *       at most {@link ClusterConfig#getHandoverTimeoutMs()} (and not at all when the previous
 *       holder is dead).</li>
 *   <li>Nodes: a compacted topic of heartbeats. A node seen within
 *       {@link ClusterConfig#getNodeTimeoutMs()} is alive; a second live node with the same node id
 *       is refused at start; a node whose own heartbeats have not reached Kafka for
 *       {@link ClusterConfig#getKafkaLossTimeoutMs()} closes its clients and refuses to
 *       acknowledge, so clients move to nodes that still reach Kafka.</li>
 * </ul>
 *
 * <p>Threading: the {@link ClusterFabric} methods never block (records go to send threads); one
 * thread reads the control topics, one the inbox, one scheduler runs heartbeats and timeouts.
 */
public final class KafkaClusterFabric implements ClusterFabric, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaClusterFabric.class);
    // The claim id of a release a node writes when the client's session ended there: no claim waits for it.
    private static final String ENDED_CLAIM_ID = "ended";

    private final ClusterConfig config;
    private final String nodeId;
    private final String instanceId = UUID.randomUUID().toString();
    private final long startedAtMillis = System.currentTimeMillis();
    private final String bootstrapServers;
    private final Producer<byte[], byte[]> producer;
    private final SendThread dataSender;
    private final SendThread controlSender;
    private final InboxRecords inboxRecords;
    private final RouteDirectory directory = new RouteDirectory();
    private final Map<String, Integer> localFilters = new ConcurrentHashMap<>();
    private final Set<String> staleOwnFilters = ConcurrentHashMap.newKeySet();
    private final Map<String, Heartbeat> heartbeats = new ConcurrentHashMap<>();
    private final Map<String, String> holders = new ConcurrentHashMap<>();
    // Client id -> the identity its holder's session belongs to (from the claims topic).
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    private final Map<String, PendingClaim> pendingClaims = new ConcurrentHashMap<>();
    // Client id -> settles when the CONNECT this node claimed it for is done: re-forwarded records wait for it.
    private final Map<String, CompletableFuture<Void>> settling = new ConcurrentHashMap<>();
    // Client id -> the dead node that held it when this node claimed it: its inbox is read on restore.
    private final Map<String, String> deadPredecessors = new ConcurrentHashMap<>();
    private final AtomicLong recoveredMessages = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong forwardedRecords = new AtomicLong();
    private final AtomicLong forwardedBytes = new AtomicLong();
    private final AtomicLong reforwardedRecords = new AtomicLong();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService recovery;
    private volatile ClusterMember member;
    private volatile ControlReader controlReader;
    private volatile InboxReader inboxReader;
    private volatile boolean caughtUp;
    private volatile Heartbeat foreignOwnHeartbeat;
    private volatile boolean foreignOwnHeartbeatLive;
    private volatile long lastHeartbeatAckMillis;
    private volatile boolean isolated;
    private volatile boolean stopped;

    private record PendingClaim(String clientId, CompletableFuture<Void> done, AtomicBoolean readBack) {
    }

    /**
     * @param producer an idempotent producer with {@code acks=all}; the fabric owns and closes it
     */
    public KafkaClusterFabric(String bootstrapServers, ClusterConfig config, String nodeId,
            Producer<byte[], byte[]> producer, MetricRegistry metrics) {
        config.validate("cluster", nodeId);
        this.config = config;
        this.nodeId = nodeId;
        this.bootstrapServers = bootstrapServers;
        this.producer = producer;
        this.inboxRecords = new InboxRecords(nodeId);
        this.dataSender = new SendThread("cluster-forward-send-" + nodeId, producer, send -> { }, this::forwardCompleted);
        this.controlSender = new SendThread("cluster-control-send-" + nodeId, producer, send -> { },
                this::controlCompleted);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "cluster-scheduler-" + nodeId);
            thread.setDaemon(true);
            return thread;
        });
        this.recovery = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "cluster-recovery-" + nodeId);
            thread.setDaemon(true);
            return thread;
        });
        metrics.register(MetricRegistry.name("cluster", "recovered-messages"), (Gauge<Long>) recoveredMessages::get);
        metrics.register(MetricRegistry.name("cluster", "forwarded-records"), (Gauge<Long>) forwardedRecords::get);
        metrics.register(MetricRegistry.name("cluster", "forwarded-bytes"), (Gauge<Long>) forwardedBytes::get);
        metrics.register(MetricRegistry.name("cluster", "inbox-records"), (Gauge<Long>) this::inboxRecords);
        metrics.register(MetricRegistry.name("cluster", "live-nodes"), (Gauge<Integer>) () -> liveNodes().size());
        metrics.register(MetricRegistry.name("cluster", "isolated"), (Gauge<Boolean>) () -> isolated);
    }

    /** A fabric with its own producer built from {@code producerSettings} (acks=all, idempotent). */
    public static KafkaClusterFabric create(String bootstrapServers, ClusterConfig config, String nodeId,
            ProducerSettings producerSettings, MetricRegistry metrics) {
        config.validate("cluster", nodeId);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                producerSettings.toProperties(bootstrapServers, "mqtt-cluster-" + nodeId));
        return new KafkaClusterFabric(bootstrapServers, config, nodeId, producer, metrics);
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
                config.inboxTopic(nodeId), config.getInboxPartitions(), config.getReplicationFactor(),
                config.getStartupTimeoutMs());
        controlReader = new ControlReader(new KafkaConsumer<>(consumerProperties(null)),
                List.of(config.routesTopic(), config.nodesTopic(), config.claimsTopic()), new ControlHandler(), nodeId);
        try {
            controlReader.startAndCatchUp(Duration.ofMillis(config.getStartupTimeoutMs()));
            refuseDuplicateNodeId();
            sendHeartbeat().get(config.getStartupTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            controlReader.close();
            member = null;
            if (e instanceof IllegalStateException illegal) {
                throw illegal;
            }
            throw new IllegalStateException("cluster: node " + nodeId + " cannot write to Kafka at " + bootstrapServers
                    + ": " + e, e);
        }
        lastHeartbeatAckMillis = System.currentTimeMillis();
        // Filters this node had before a crash or stop: gone unless a restored session subscribes again.
        scheduler.schedule(this::removeStaleOwnFilters, config.getNodeTimeoutMs(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::tick, config.getHeartbeatIntervalMs(), config.getHeartbeatIntervalMs(),
                TimeUnit.MILLISECONDS);
        Properties inbox = consumerProperties(config.inboxTopic(nodeId));
        inboxReader = new InboxReader(new KafkaConsumer<>(inbox), config.inboxTopic(nodeId), this::deliverFromInbox,
                nodeId);
        inboxReader.start();
        LOG.info("cluster: node {} joined; live nodes {}", nodeId, liveNodes());
    }

    private Properties consumerProperties(String groupId) {
        Properties p = new Properties();
        p.putAll(config.getConsumerProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "mqtt-cluster-" + nodeId + (groupId == null ? "-control" : "-inbox"));
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        } else {
            // A takeover is three hops through the control topics (claim, claim seen by the holder,
            // release): an idle fetch must not sit out Kafka's default 500 ms wait on each of them.
            p.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        }
        return p;
    }

    private void refuseDuplicateNodeId() throws InterruptedException {
        Heartbeat foreign = foreignOwnHeartbeat;
        if (foreign == null || System.currentTimeMillis() - foreign.sentAtMillis() > config.getNodeTimeoutMs()) {
            return;
        }
        // A recent heartbeat under this node id: a live twin, or this node's previous life before a crash.
        // A live twin heartbeats again within the interval; a dead one does not.
        long deadline = System.currentTimeMillis() + config.getNodeTimeoutMs();
        while (System.currentTimeMillis() < deadline) {
            if (foreignOwnHeartbeatLive) {
                throw new IllegalStateException("cluster: nodeId '" + nodeId + "' is already used by another live node"
                        + " (instance " + foreignOwnHeartbeat.instanceId() + "); give every node its own nodeId");
            }
            Thread.sleep(50);
        }
    }

    private void removeStaleOwnFilters() {
        for (String filter : staleOwnFilters) {
            if (!localFilters.containsKey(filter)) {
                sendControl(new ProducerRecord<>(config.routesTopic(), ControlRecords.routeKey(nodeId, filter), null));
            }
        }
        staleOwnFilters.clear();
    }

    private void tick() {
        try {
            if (stopped) {
                return;
            }
            sendHeartbeat().whenComplete((ignored, error) -> {
                if (error == null) {
                    lastHeartbeatAckMillis = System.currentTimeMillis();
                    if (isolated && controlReader.isAlive() && inboxReader.isAlive()) {
                        isolated = false;
                        LOG.warn("cluster: node {} reaches Kafka again and accepts clients", nodeId);
                    }
                }
            });
            long silent = System.currentTimeMillis() - lastHeartbeatAckMillis;
            boolean readersDown = !controlReader.isAlive() || !inboxReader.isAlive();
            if (silent > config.getKafkaLossTimeoutMs() || readersDown) {
                if (!isolated) {
                    isolated = true;
                    if (readersDown) {
                        LOG.error("cluster: node {} stopped reading the cluster's Kafka topics (see the error above):"
                                + " closing its clients so that they reconnect to other nodes", nodeId);
                    } else {
                        LOG.error("cluster: node {} could not write to Kafka for {} ms (cluster.kafkaLossTimeoutMs):"
                                + " closing its clients so that they reconnect to other nodes", nodeId, silent);
                    }
                }
                ClusterMember current = member;
                if (current != null) {
                    current.disconnectAll();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("cluster: heartbeat failed", e);
        }
    }

    private CompletableFuture<Void> sendHeartbeat() {
        Heartbeat heartbeat = new Heartbeat(instanceId, startedAtMillis, System.currentTimeMillis());
        return sendControl(new ProducerRecord<>(config.nodesTopic(), key(nodeId), heartbeat.encode()));
    }

    private CompletableFuture<Void> sendControl(ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        controlSender.submit(new PendingSend(record, 0, done, System.nanoTime()));
        return done;
    }

    private void controlCompleted(PendingSend send, Exception failure) {
        if (failure == null) {
            send.future().complete(null);
        } else {
            LOG.debug("cluster: control record to {} failed: {}", send.record().topic(), failure.toString());
            send.future().completeExceptionally(failure);
        }
    }

    private void forwardCompleted(PendingSend send, Exception failure) {
        if (failure == null) {
            forwardedRecords.incrementAndGet();
            forwardedBytes.addAndGet(send.size());
            send.future().complete(null);
        } else {
            send.future().completeExceptionally(SendFailures.rejection(send.record().topic(), failure));
        }
    }

    @Override
    public void subscriptionAdded(String topicFilter) {
        localFilters.compute(topicFilter, (filter, count) -> {
            if (count == null) {
                directory.add(nodeId, filter);
                sendControl(new ProducerRecord<>(config.routesTopic(), ControlRecords.routeKey(nodeId, filter),
                        ControlRecords.ROUTE_PRESENT));
                return 1;
            }
            return count + 1;
        });
    }

    @Override
    public void subscriptionRemoved(String topicFilter) {
        localFilters.computeIfPresent(topicFilter, (filter, count) -> {
            if (count == 1) {
                directory.remove(nodeId, filter);
                sendControl(new ProducerRecord<>(config.routesTopic(), ControlRecords.routeKey(nodeId, filter), null));
                return null;
            }
            return count - 1;
        });
    }

    @Override
    public Forwarding forward(PublishedMessage message) {
        if (isolated) {
            return failedForwarding(new PublishRejectedException(MqttReasonCode.UNSPECIFIED_ERROR,
                    "node " + nodeId + " is cut off from the cluster's Kafka", null));
        }
        RouteDirectory.Decision decision = directory.decide(message.topic(), nodeId, this::isAlive);
        Set<String> targets = decision.targetNodes();
        if (targets.isEmpty()) {
            return Forwarding.LOCAL_ONLY;
        }
        List<CompletableFuture<Void>> sent = new ArrayList<>(targets.size());
        for (String target : targets) {
            String messageId = nodeId + ":" + instanceId + ":" + sequence.incrementAndGet();
            ProducerRecord<byte[], byte[]> record = inboxRecords.create(config.inboxTopic(target), message,
                    decision.nonSharedNodes().contains(target), decision.sharedByNode().get(target), messageId);
            CompletableFuture<Void> done = new CompletableFuture<>();
            dataSender.submit(new PendingSend(record, MirrorRecordFactory.estimateSize(record), done, System.nanoTime()));
            sent.add(done);
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

    private static Forwarding failedForwarding(PublishRejectedException failure) {
        CompletableFuture<Void> failed = CompletableFuture.failedFuture(failure);
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

    /**
     * A record re-forwarded for one session waits until the CONNECT that brought the session here
     * settled (the session is restored by then), so that it is not dropped for want of a session.
     */
    private CompletableFuture<Integer> deliverFromInbox(PublishedMessage message, ClusterFabric.ForwardedScope scope) {
        ClusterMember current = member;
        if (scope.onlyClient() != null) {
            CompletableFuture<Void> settled = settling.get(scope.onlyClient());
            if (settled != null && !settled.isDone()) {
                return settled.thenCompose(ignored -> current.deliverForwarded(message, scope));
            }
        }
        return current.deliverForwarded(message, scope);
    }

    @Override
    public void claimSettled(String clientId) {
        CompletableFuture<Void> settled = settling.remove(clientId);
        if (settled != null) {
            settled.complete(null);
        }
    }

    @Override
    public long reforwardWindowMillis() {
        return config.getNodeTimeoutMs();
    }

    @Override
    public CompletableFuture<Void> reforward(String clientId, PublishedMessage message) {
        String holder = holders.get(clientId);
        if (holder == null || holder.equals(nodeId) || stopped) {
            return CompletableFuture.completedFuture(null);
        }
        String messageId = nodeId + ":" + instanceId + ":" + sequence.incrementAndGet();
        ProducerRecord<byte[], byte[]> record = inboxRecords.reforwarded(config.inboxTopic(holder), message, clientId,
                messageId);
        CompletableFuture<Void> done = new CompletableFuture<>();
        dataSender.submit(new PendingSend(record, MirrorRecordFactory.estimateSize(record), done, System.nanoTime()));
        reforwardedRecords.incrementAndGet();
        return done;
    }

    /** Messages this node sent on to the node a session moved to, after the session left. */
    public long reforwardedRecords() {
        return reforwardedRecords.get();
    }

    @Override
    public CompletableFuture<Void> claim(String clientId) {
        return claim(clientId, null);
    }

    @Override
    public String holderOwner(String clientId) {
        String holder = holders.get(clientId);
        if (holder == null || holder.equals(nodeId) || !isAlive(holder)) {
            return null;
        }
        return owners.get(clientId);
    }

    @Override
    public void sessionEnded(String clientId) {
        if (nodeId.equals(holders.get(clientId)) && !stopped) {
            owners.remove(clientId);
            sendControl(new ProducerRecord<>(config.claimsTopic(), key(clientId),
                    new ClaimRecord(ClaimType.RELEASE, nodeId, ENDED_CLAIM_ID, nodeId, null).encode()));
        }
    }

    @Override
    public CompletableFuture<Void> claim(String clientId, String owner) {
        if (isolated || stopped) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + nodeId + " is not in the cluster"));
        }
        CompletableFuture<Void> settled = new CompletableFuture<>();
        settling.put(clientId, settled);
        // Bounded, so that the inbox never waits for a CONNECT that never settles.
        scheduler.schedule(() -> {
            if (settling.remove(clientId, settled)) {
                settled.complete(null);
            }
        }, config.getClaimTimeoutMs() + config.getHandoverTimeoutMs() + config.getNodeTimeoutMs()
                + config.getRecoveryTimeoutMs(), TimeUnit.MILLISECONDS);
        String claimId = instanceId + "-" + sequence.incrementAndGet();
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicBoolean readBack = new AtomicBoolean();
        deadPredecessors.remove(clientId);
        pendingClaims.put(claimId, new PendingClaim(clientId, done, readBack));
        done.whenComplete((ignored, error) -> pendingClaims.remove(claimId));
        sendControl(new ProducerRecord<>(config.claimsTopic(), key(clientId),
                new ClaimRecord(ClaimType.CLAIM, nodeId, claimId, null, owner).encode()))
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        done.completeExceptionally(error);
                    }
                });
        // Only the read-back is bounded here: the wait for a previous holder has bounds of its own.
        scheduler.schedule(() -> {
            if (!readBack.get()) {
                done.completeExceptionally(new TimeoutException("claim of client " + clientId
                        + " not confirmed by Kafka within " + config.getClaimTimeoutMs() + " ms (cluster.claimTimeoutMs)"));
            }
        }, config.getClaimTimeoutMs(), TimeUnit.MILLISECONDS);
        return done;
    }

    /**
     * When the node that held {@code clientId} was dead at this node's claim, reads that node's
     * inbox from its committed offsets to its end and hands the client's session here what was
     * forwarded for its non-shared subscriptions and the session does not have (see
     * {@link ClusterMember#recover}). On the recovery thread, at most
     * {@link ClusterConfig#getRecoveryTimeoutMs()}; never fails.
     */
    @Override
    public CompletableFuture<Void> recoverFromDeadHolder(String clientId) {
        String dead = deadPredecessors.remove(clientId);
        ClusterMember current = member;
        if (dead == null || current == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            recovery.execute(() -> {
                try {
                    long started = System.nanoTime();
                    Properties properties = consumerProperties(config.inboxTopic(dead));
                    properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "mqtt-cluster-" + nodeId + "-recovery");
                    DeadInboxReader.Result read = DeadInboxReader.read(properties, config.inboxTopic(dead), true,
                            Duration.ofMillis(config.getRecoveryTimeoutMs()));
                    long left = Math.max(1, config.getRecoveryTimeoutMs()
                            - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                    int handed = current.recover(clientId, read.messages()).get(left, TimeUnit.MILLISECONDS);
                    recoveredMessages.addAndGet(handed);
                    if (!read.complete()) {
                        LOG.warn("cluster: read only part of dead node {}'s inbox for client {} within {} ms"
                                + " (cluster.recoveryTimeoutMs)", dead, clientId, config.getRecoveryTimeoutMs());
                    }
                    LOG.info("cluster: client {} of dead node {}: {} messages recovered from {} inbox records in {} ms",
                            clientId, dead, handed, read.records(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                } catch (Exception e) {
                    LOG.warn("cluster: could not recover the messages of client {} from dead node {}'s inbox: {}",
                            clientId, dead, e.toString());
                } finally {
                    done.complete(null);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.complete(null);
        }
        return done;
    }

    /** Messages handed to sessions here from dead nodes' inboxes. */
    public long recoveredMessages() {
        return recoveredMessages.get();
    }

    @Override
    public boolean isHolder(String clientId) {
        String holder = holders.get(clientId);
        return holder == null || holder.equals(nodeId);
    }

    /** The node that holds {@code clientId} per the claims topic (the node it last connected to). */
    public Optional<String> holderOf(String clientId) {
        return Optional.ofNullable(holders.get(clientId));
    }

    /**
     * Asks the node that holds {@code clientId} to disconnect it (MQTT 5: 0x98), wherever it is.
     *
     * @return whether a holder is known
     */
    public boolean requestDisconnect(String clientId) {
        String holder = holders.get(clientId);
        if (holder == null) {
            return false;
        }
        if (holder.equals(nodeId) && member != null) {
            member.disconnect(clientId);
            return true;
        }
        sendControl(new ProducerRecord<>(config.claimsTopic(), key(clientId),
                new ClaimRecord(ClaimType.DISCONNECT, holder, instanceId + "-" + sequence.incrementAndGet(), nodeId,
                        owners.get(clientId)).encode()));
        return true;
    }

    public String nodeId() {
        return nodeId;
    }

    /** The nodes whose last heartbeat is recent, this one included, sorted. */
    public Set<String> liveNodes() {
        Set<String> live = new TreeSet<>();
        for (String node : heartbeats.keySet()) {
            if (isAlive(node)) {
                live.add(node);
            }
        }
        if (member != null && !stopped) {
            live.add(nodeId);
        }
        return live;
    }

    private boolean isAlive(String node) {
        Heartbeat heartbeat = heartbeats.get(node);
        return heartbeat != null && System.currentTimeMillis() - heartbeat.sentAtMillis() <= config.getNodeTimeoutMs();
    }

    /** Whether this node knows that {@code node} subscribes to {@code topicFilter}. */
    public boolean knowsRoute(String node, String topicFilter) {
        return directory.contains(node, topicFilter);
    }

    /** Messages this node sent to other nodes' inboxes (one record per target node). */
    public long forwardedRecords() {
        return forwardedRecords.get();
    }

    /** Estimated bytes of the records this node forwarded (payload, key, headers, record overhead). */
    public long forwardedBytes() {
        return forwardedBytes.get();
    }

    /** Records this node read from its own inbox. */
    public long inboxRecords() {
        InboxReader reader = inboxReader;
        return reader == null ? 0 : reader.received();
    }

    /** Whether this node could not reach Kafka for {@code cluster.kafkaLossTimeoutMs} and closed its clients. */
    public boolean isIsolated() {
        return isolated;
    }

    @Override
    public synchronized void stop() {
        if (stopped || member == null) {
            return;
        }
        stopped = true;
        if (inboxReader != null) {
            inboxReader.close();
        }
        // A clean leave: other nodes stop waiting for this one at once. Its routes stay so that
        // messages for its persistent sessions wait in its inbox until it is back.
        try {
            sendControl(new ProducerRecord<>(config.nodesTopic(), key(nodeId), null)).get(5, TimeUnit.SECONDS);
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
        recovery.shutdownNow();
        dataSender.close(5_000);
        controlSender.close(5_000);
        producer.close(Duration.ofSeconds(5));
    }

    /**
     * The previous holder did not release {@code pending}'s client within the hand-over timeout.
     * If it still heartbeats it is alive but slow: go on without it, as before. If its heartbeats
     * stopped, it is probably dead: wait until it counts as dead (at most {@code nodeTimeoutMs}
     * after its last heartbeat) and then recover its inbox, so that a client reconnecting at once
     * after a crash loses nothing.
     */
    private void awaitHandOverOrDeath(PendingClaim pending, String previous) {
        if (pending.done().isDone()) {
            return;
        }
        Heartbeat last = heartbeats.get(previous);
        long now = System.currentTimeMillis();
        if (last == null || now - last.sentAtMillis() > config.getNodeTimeoutMs()) {
            deadPredecessors.put(pending.clientId(), previous);
            pending.done().complete(null);
            return;
        }
        if (now - last.sentAtMillis() <= 3L * config.getHeartbeatIntervalMs()) {
            if (pending.done().complete(null)) {
                LOG.warn("cluster: node {} did not hand client {} over within {} ms (cluster.handoverTimeoutMs);"
                        + " continuing without it", previous, pending.clientId(), config.getHandoverTimeoutMs());
            }
            return;
        }
        long untilDead = last.sentAtMillis() + config.getNodeTimeoutMs() - now + 1;
        scheduler.schedule(() -> awaitHandOverOrDeath(pending, previous), Math.max(1, untilDead), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops this node's part of the cluster at once, as {@code kill -9} would: no leave record, no
     * final inbox commit, no more heartbeats (for tests of node failure; {@link #close} afterwards
     * releases the rest).
     */
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

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** Applies control records on the control reader's thread. */
    private final class ControlHandler implements ControlReader.Handler {

        @Override
        public void record(ConsumerRecord<byte[], byte[]> record) {
            String topic = record.topic();
            if (topic.equals(config.routesTopic())) {
                route(record);
            } else if (topic.equals(config.nodesTopic())) {
                heartbeat(record);
            } else if (topic.equals(config.claimsTopic())) {
                claim(record);
            }
        }

        @Override
        public void caughtUp() {
            caughtUp = true;
        }

        private void route(ConsumerRecord<byte[], byte[]> record) {
            String[] parts = ControlRecords.parseRouteKey(record.key());
            if (parts == null) {
                return;
            }
            String node = parts[0];
            String filter = parts[1];
            if (node.equals(nodeId)) {
                // This node's own filters come from its sessions, not from the topic; what the topic
                // holds from before is stale unless a restored session subscribes again.
                if (!caughtUp) {
                    if (record.value() == null) {
                        staleOwnFilters.remove(filter);
                    } else {
                        staleOwnFilters.add(filter);
                    }
                }
                return;
            }
            if (record.value() == null) {
                directory.remove(node, filter);
            } else {
                directory.add(node, filter);
            }
        }

        private void heartbeat(ConsumerRecord<byte[], byte[]> record) {
            String node = text(record.key());
            if (node == null) {
                return;
            }
            Heartbeat heartbeat = Heartbeat.parse(record.value());
            if (heartbeat == null) {
                heartbeats.remove(node);
                return;
            }
            if (node.equals(nodeId) && !heartbeat.instanceId().equals(instanceId)) {
                foreignOwnHeartbeat = heartbeat;
                if (caughtUp) {
                    foreignOwnHeartbeatLive = true;
                    LOG.error("cluster: another node uses this node's nodeId '{}' (instance {})", nodeId,
                            heartbeat.instanceId());
                }
                return;
            }
            heartbeats.put(node, heartbeat);
        }

        private void claim(ConsumerRecord<byte[], byte[]> record) {
            String clientId = text(record.key());
            ClaimRecord claim = ClaimRecord.parse(record.value());
            if (clientId == null || claim == null) {
                return;
            }
            String previous = holders.put(clientId, claim.holder());
            if (claim.owner() == null) {
                owners.remove(clientId);
            } else {
                owners.put(clientId, claim.owner());
            }
            if (!caughtUp) {
                return;
            }
            switch (claim.type()) {
                case CLAIM -> onClaim(clientId, claim, previous);
                case RELEASE -> {
                    PendingClaim pending = pendingClaims.get(claim.claimId());
                    if (pending != null) {
                        pending.done().complete(null);
                    }
                }
                case DISCONNECT -> {
                    if (claim.holder().equals(nodeId) && member != null) {
                        member.disconnect(clientId);
                    }
                }
            }
        }

        private void onClaim(String clientId, ClaimRecord claim, String previous) {
            ClusterMember current = member;
            if (claim.holder().equals(nodeId)) {
                PendingClaim pending = pendingClaims.get(claim.claimId());
                if (pending == null) {
                    return;
                }
                pending.readBack().set(true);
                if (previous == null || previous.equals(nodeId)) {
                    pending.done().complete(null);
                } else if (!isAlive(previous)) {
                    deadPredecessors.put(clientId, previous);
                    pending.done().complete(null);
                } else {
                    scheduler.schedule(() -> awaitHandOverOrDeath(pending, previous),
                            config.getHandoverTimeoutMs(), TimeUnit.MILLISECONDS);
                }
                return;
            }
            if (current != null && (nodeId.equals(previous) || current.holds(clientId))) {
                current.handOver(clientId).whenComplete((ignored, error) -> sendControl(new ProducerRecord<>(
                        config.claimsTopic(), key(clientId),
                        new ClaimRecord(ClaimType.RELEASE, claim.holder(), claim.claimId(), nodeId, claim.owner())
                                .encode())));
            }
        }
    }
}
