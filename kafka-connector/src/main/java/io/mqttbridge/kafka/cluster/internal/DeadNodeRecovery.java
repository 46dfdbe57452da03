package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.ClusterMember;
import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.ClusterFabric.SharedGroupMessage;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a dead node had in its inbox and not handed over yet, read from its committed offsets to
 * the end (no group join, no commit):
 * <ul>
 *   <li>for a client that held its session there and resumes here, the records for its non-shared
 *       subscriptions ({@link #recoverForClient}; the inbox read once for all of them,
 *       {@link DeadInboxCache});</li>
 *   <li>the records for shared groups the dead node served, given to a live member of each group,
 *       here or on another node, with what the dead node's stored sessions held for those groups
 *       ({@link #recoverSharedGroups}); done by one survivor (among the first live nodes by id in
 *       their views, the one that won the {@link RecoveryClaims claim}), which then marks the offsets it covered so that the dead node, when it
 *       restarts, does not deliver them again.</li>
 * </ul>
 * All reads run on one recovery thread, each bounded by {@code recoveryTimeoutMs}; failures are
 * logged, never thrown.
 */
public final class DeadNodeRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(DeadNodeRecovery.class);

    private final String nodeId;
    private final ClusterConfig config;
    private final ExecutorService thread;
    private final Function<String, Properties> inboxConsumerProperties;
    private final Supplier<ClusterMember> member;
    private final RouteTable routes;
    private final NodeLiveness liveness;
    private final InboxForwarding forwarding;
    private final RecoveryClaims recoveryClaims;
    private final AtomicLong recovered = new AtomicLong();
    private final DeadInboxCache inboxes;
    private final ClientRecoveries clients;

    /** @param inboxConsumerProperties inbox topic -> consumer properties with that inbox's group id */
    public DeadNodeRecovery(String nodeId, ClusterConfig config, Function<String, Properties> inboxConsumerProperties, Supplier<ClusterMember> member, RouteTable routes,
            NodeLiveness liveness, InboxForwarding forwarding, RecoveryClaims recoveryClaims) {
        this.nodeId = nodeId;
        this.config = config;
        this.thread = Executors.newSingleThreadExecutor(DaemonThreads.named("cluster-recovery-" + nodeId));
        this.inboxConsumerProperties = inboxConsumerProperties;
        this.member = member;
        this.routes = routes;
        this.liveness = liveness;
        this.forwarding = forwarding;
        this.recoveryClaims = recoveryClaims;
        // Open while the dead node's clients keep resuming here; a failover takes seconds to minutes.
        this.inboxes = new DeadInboxCache(Duration.ofMillis(Math.max(30_000L, 3L * config.getRecoveryTimeoutMs())));
        this.clients = new ClientRecoveries(config, thread, member, liveness, inboxes, this::inboxCacheProperties,
                recovered);
    }

    /**
     * Hands {@code clientId}'s session here what {@code dead} had for its non-shared subscriptions:
     * the dead node's inbox is read once for all its clients that resume here ({@link DeadInboxCache}),
     * in batches of the clients waiting ({@link ClientRecoveries}). At most {@code recoveryTimeoutMs}
     * once its batch runs; never fails.
     */
    public CompletableFuture<Void> recoverForClient(String clientId, String dead) {
        return clients.recover(clientId, dead);
    }

    /** How many times a dead node's inbox was opened for its resuming clients. */
    public long deadInboxesOpened() {
        return inboxes.opened();
    }

    /** Closes the dead inboxes no resuming client read for a while (see {@link DeadInboxCache}). */
    public void closeIdleInboxes() {
        try {
            thread.execute(inboxes::closeIdle);
        } catch (RejectedExecutionException e) {
            // stopping: closeInboxes follows
        }
    }

    /** Stops the recovery thread (a recovery in progress is interrupted) and closes the cached dead inboxes. */
    public void shutdown() {
        thread.shutdownNow();
        try {
            if (thread.awaitTermination(2, TimeUnit.SECONDS)) {
                inboxes.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Recovers the shared-group messages of {@code dead}'s last instance, and of the dead instances
     * of other nodes whose recovery {@code dead} had won and not finished (a second failure during a
     * recovery): each through {@link #recoverSharedGroups(String, String, String)}.
     */
    public CompletableFuture<Void> recoverSharedGroups(String dead) {
        String deadInstance = liveness.lastInstance(dead);
        List<CompletableFuture<Void>> recoveries = new ArrayList<>();
        recoveries.add(recoverSharedGroups(dead, deadInstance, deadInstance));
        if (deadInstance != null) {
            for (RecoveryClaims.Orphan orphan : recoveryClaims.orphanedBy(dead, deadInstance)) {
                if (liveness.isAlive(orphan.deadNode())
                        || !orphan.deadInstance().equals(liveness.lastInstance(orphan.deadNode()))) {
                    continue; // it came back, with its stored sessions
                }
                LOG.info("cluster: node {} died while recovering node {} (instance {}); recovering it again",
                        dead, orphan.deadNode(), orphan.deadInstance());
                recoveries.add(recoverSharedGroups(orphan.deadNode(), orphan.deadInstance(), orphan.nextRound()));
            }
        }
        return CompletableFuture.allOf(recoveries.toArray(CompletableFuture[]::new));
    }

    /**
     * Once this node won {@code round} of the recovery of {@code deadInstance} of {@code dead}
     * ({@link RecoveryClaims}): gives the shared-group messages its stored sessions held
     * ({@link ClusterMember#takeSharedMessagesOf}) and the shared-group records in its inbox to live
     * members of their groups, each once (a record the dead node had already handed to a session
     * there and not committed is in both); marks the recovery finished when all of it was read.
     */
    private CompletableFuture<Void> recoverSharedGroups(String dead, String deadInstance, String round) {
        return run(() -> {
            long started = System.nanoTime();
            if (deadInstance != null
                    && !recoveryClaims.claim(dead, round).get(left(started), TimeUnit.MILLISECONDS)) {
                LOG.info("cluster: another node recovers dead node {} (instance {})", dead, deadInstance);
                return;
            }
            ClusterMember current = member.get();
            // Without a claim (the dead instance is unknown) several survivors may take: each its own round.
            String storeRound = deadInstance != null ? round : "unclaimed/" + nodeId;
            // The store keeps what it returns until it is forgotten below, so that if this node dies
            // before handing them over, the next round (RecoveryClaims.orphanedBy) gets them again.
            List<SharedGroupMessage> stored = current == null ? List.of()
                    : current.takeSharedMessagesOf(dead, groupsWithLiveMembers(dead), storeRound)
                            .get(left(started), TimeUnit.MILLISECONDS);
            // Group -> how many of each message the stored sessions had, to skip them among the inbox records.
            Map<String, Map<Fingerprint, Integer>> storedByGroup = new HashMap<>();
            List<CompletableFuture<Boolean>> handed = new ArrayList<>();
            for (SharedGroupMessage message : stored) {
                storedByGroup.computeIfAbsent(message.sharedTopicFilter(), group -> new HashMap<>())
                        .merge(Fingerprint.of(message.message()), 1, Integer::sum);
                handed.add(toGroup(message.message(), message.sharedTopicFilter()));
            }
            CompletableFuture<Void> storedForgotten = stored.isEmpty() ? CompletableFuture.completedFuture(null)
                    : forgetOnceHandedOver(current, dead, storeRound, List.copyOf(handed));
            Map<Integer, Long> done = liveness.sharedRecovered(dead);
            DeadInboxReader.ScopedResult read = DeadInboxReader.read(properties(dead), config.inboxTopic(dead),
                    (scope, position) -> !scope.sharedTopicFilters().isEmpty()
                            && position[1] >= done.getOrDefault((int) position[0], 0L),
                    Duration.ofMillis(config.getRecoveryTimeoutMs()));
            Map<String, List<PublishedMessage>> inboxByGroup = new LinkedHashMap<>();
            for (int i = 0; i < read.messages().size(); i++) {
                for (String group : read.scopes().get(i).sharedTopicFilters()) {
                    inboxByGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(read.messages().get(i));
                }
            }
            inboxByGroup.forEach((group, messages) -> {
                Map<Fingerprint, Integer> already = storedByGroup.getOrDefault(group, new HashMap<>());
                for (PublishedMessage message : messages) {
                    Fingerprint fingerprint = Fingerprint.of(message);
                    if (already.getOrDefault(fingerprint, 0) > 0) {
                        already.merge(fingerprint, -1, Integer::sum);
                    } else {
                        handed.add(toGroup(message, group));
                    }
                }
            });
            CompletableFuture.allOf(handed.toArray(CompletableFuture[]::new)).get(left(started), TimeUnit.MILLISECONDS);
            long count = handed.stream().filter(CompletableFuture::join).count();
            recovered.addAndGet(count);
            if (read.complete()) {
                storedForgotten.get(left(started), TimeUnit.MILLISECONDS);
                liveness.markSharedRecovered(dead, read.endOffsets()).get(left(started), TimeUnit.MILLISECONDS);
                if (deadInstance != null) {
                    recoveryClaims.finish(dead, deadInstance).get(left(started), TimeUnit.MILLISECONDS);
                }
            }
            LOG.info("cluster: dead node {}: {} shared-group messages given to other members ({} from its stored"
                    + " sessions)", dead, count, stored.size());
        }, "the shared-group messages of dead node " + dead);
    }

    /**
     * Forgets the stored messages taken for {@code round} once every one of their hand-overs ended,
     * even when the wait above timed out: a member took it, or none could (dropped and logged, as
     * any recovered message no live member takes). Never earlier, so that this node's death before
     * then leaves them to the next round, which hands them over again (at least once across members).
     */
    private static CompletableFuture<Void> forgetOnceHandedOver(ClusterMember current, String dead, String round,
            List<CompletableFuture<Boolean>> handed) {
        return CompletableFuture.allOf(handed.toArray(CompletableFuture[]::new))
                .handle((ignored, error) -> null)
                .thenCompose(ignored -> current.forgetRecovered(dead, round))
                .whenComplete((ignored, error) -> {
                    if (error != null) {
                        LOG.warn("cluster: could not forget the messages recovered from dead node {} in round {}: {}",
                                dead, round, error.toString());
                    }
                });
    }

    /**
     * What tells a message in a session from the same message in an inbox record: publisher client
     * id, topic, receive time in ms (the record's timestamp) and payload, as the broker's
     * {@code RecoveredMessages} tells them.
     */
    private record Fingerprint(String clientId, String topic, long receivedAtMillis, ByteBuffer payload) {
        static Fingerprint of(PublishedMessage message) {
            return new Fingerprint(message.clientId(), message.topic(), message.receivedAt().toEpochMilli(),
                    ByteBuffer.wrap(message.payload()));
        }
    }

    /**
     * The shared groups {@code dead} served that have a member here or on another live node: a
     * stored message of a group without one stays in its session, for its client's return.
     */
    private Set<String> groupsWithLiveMembers(String dead) {
        Set<String> groups = new HashSet<>();
        for (String filter : routes.filtersOf(dead)) {
            if (filter.startsWith("$share/") && (routes.subscribedHere(filter) || routes.otherNodesWith(filter).stream()
                    .anyMatch(node -> !node.equals(dead) && liveness.isAlive(node)))) {
                groups.add(filter);
            }
        }
        return groups;
    }

    private CompletableFuture<Boolean> toGroup(PublishedMessage message, String group) {
        ClusterMember current = member.get();
        if (current != null && routes.subscribedHere(group)) {
            return current.deliverForwarded(message, new ForwardedScope(false, Set.of(group)))
                    .thenApply(count -> count > 0);
        }
        return forwarding.sendToSharedGroup(message, group);
    }

    /** Messages handed to sessions here or sent to shared-group members elsewhere from dead nodes' inboxes. */
    public long recovered() {
        return recovered.get();
    }

    private interface Work {
        void run() throws Exception;
    }

    private CompletableFuture<Void> run(Work work, String what) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    work.run();
                } catch (Exception e) {
                    LOG.warn("cluster: could not recover {}: {}", what, e.toString());
                } finally {
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException e) {
            done.complete(null);
        }
        return done;
    }

    private Properties properties(String dead) {
        Properties properties = inboxConsumerProperties.apply(config.inboxTopic(dead));
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "mqtt-cluster-" + nodeId + "-recovery");
        return properties;
    }

    private Properties inboxCacheProperties(String dead) {
        Properties properties = inboxConsumerProperties.apply(config.inboxTopic(dead));
        // Beside the shared-group recovery's reader, which may read the same inbox at the same time.
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "mqtt-cluster-" + nodeId + "-recovery-" + dead);
        return properties;
    }

    private long left(long startedNanos) {
        return Math.max(1, config.getRecoveryTimeoutMs() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }
}
