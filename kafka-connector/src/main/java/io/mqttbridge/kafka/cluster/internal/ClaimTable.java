package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.broker.spi.ClusterFabric.ClusterMember;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.ClaimRecord;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.ClaimType;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.Heartbeat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who holds each client id, from the claims topic: the last claim in the client id's partition is
 * the holder. A connecting node writes a claim and waits to read it back; the previous holder
 * disconnects the client, saves its session and writes a release; the claimer waits for it at most
 * {@code handoverTimeoutMs} (and not at all when the previous holder is dead, see
 * {@link #awaitHandOverOrDeath}). Each record names the identity the holder's session belongs to.
 *
 * <p>A node claimed while its own claim of the same client is still settling (it is restoring the
 * session, or waiting for a dead holder and recovering that holder's inbox: a client that gave up
 * on a slow CONNECT and tried another node) hands the client over only once that settles, so that
 * what it recovered moves on with the session; the next claimer waits for it that long instead of
 * going on without it (see {@link TakeoverInProgress}).
 * Thread-safe: records are applied on the control reader's thread; claims come from event loops.
 */
public final class ClaimTable {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimTable.class);
    // The claim id of a release a node writes when the client's session ended there: no claim waits for it.
    private static final String ENDED_CLAIM_ID = "ended";

    private static final CompletableFuture<Void> SETTLED = CompletableFuture.completedFuture(null);

    /**
     * A claim this node wrote. {@code readBack} once Kafka gave it back; {@code unread} until then or
     * until it was given up, counted in {@link #claimsNotReadBack}.
     */
    private record PendingClaim(String clientId, CompletableFuture<Void> done, AtomicBoolean readBack,
            AtomicBoolean unread) {
    }

    /**
     * The last claim of a client that took it from another node, until that node released it or
     * the claimer's CONNECT settled ({@link #settleBoundMillis}): when that other node had stopped
     * heartbeating, the claimer is recovering a dead node's inbox into the session, and a later
     * claimer must wait for its hand-over rather than load the session without what it recovered.
     */
    private record TakeoverInProgress(String holder, String previous, long claimedAtMillis) {
    }

    private final String nodeId;
    private final String instanceId;
    private final ClusterConfig config;
    private final RecordSender control;
    private final NodeLiveness liveness;
    private final ScheduledExecutorService scheduler;
    private final Supplier<ClusterMember> member;
    private final AtomicLong sequence = new AtomicLong();
    private final Map<String, String> holders = new ConcurrentHashMap<>();
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    // Client id -> the id of its last claim read: only that claim's release speaks for the holder.
    private final Map<String, String> lastClaims = new ConcurrentHashMap<>();
    private final Map<String, PendingClaim> pendingClaims = new ConcurrentHashMap<>();
    // Client id -> settles when the CONNECT this node claimed it for is done.
    private final Map<String, CompletableFuture<Void>> settling = new ConcurrentHashMap<>();
    // Client id -> the dead node that held it when this node claimed it: its inbox is read on restore.
    private final Map<String, String> deadPredecessors = new ConcurrentHashMap<>();
    private final Map<String, TakeoverInProgress> takeovers = new ConcurrentHashMap<>();
    // Client id -> how many of this node's claims of it are written and neither read back nor given up.
    private final Map<String, Integer> claimsNotReadBack = new ConcurrentHashMap<>();
    private volatile boolean handingOver = true;

    public ClaimTable(String nodeId, String instanceId, ClusterConfig config, RecordSender control,
            NodeLiveness liveness, ScheduledExecutorService scheduler, Supplier<ClusterMember> member) {
        this.nodeId = nodeId;
        this.instanceId = instanceId;
        this.config = config;
        this.control = control;
        this.liveness = liveness;
        this.scheduler = scheduler;
        this.member = member;
    }

    /**
     * Makes this node the holder of {@code clientId} for a client connecting as {@code owner}.
     * Completes when the previous holder released it, was dead, or did not answer in time; fails
     * when the claim is not read back within {@code claimTimeoutMs}.
     */
    public CompletableFuture<Void> claim(String clientId, String owner) {
        // Counted as not read back before it counts as settling: the reader, meeting another node's claim
        // in between, must not see this CONNECT settling without its claim, which comes later, and so
        // wait for it; that CONNECT waits for the other node's release, and the other node for this
        // node's: both went on after the hand-over timeout, each then handed over to the other, and
        // the client was left with no connection (ClusterConnectRaceTest, once in a CI run).
        claimsNotReadBack.merge(clientId, 1, Integer::sum);
        CompletableFuture<Void> settled = new CompletableFuture<>();
        settling.put(clientId, settled);
        // Bounded, so that nothing waits for a CONNECT that never settles.
        scheduler.schedule(() -> {
            if (settling.remove(clientId, settled)) {
                settled.complete(null);
            }
        }, settleBoundMillis(), TimeUnit.MILLISECONDS);
        String claimId = instanceId + "-" + sequence.incrementAndGet();
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicBoolean readBack = new AtomicBoolean();
        PendingClaim pending = new PendingClaim(clientId, done, readBack, new AtomicBoolean(true));
        pendingClaims.put(claimId, pending);
        done.whenComplete((ignored, error) -> {
            pendingClaims.remove(claimId);
            noLongerUnread(pending);
        });
        send(clientId, new ClaimRecord(ClaimType.CLAIM, nodeId, claimId, null, owner)).whenComplete((ignored, error) -> {
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

    /** Not done while the CONNECT this node claimed {@code clientId} for is in progress; null when none is. */
    public CompletableFuture<Void> settling(String clientId) {
        return settling.get(clientId);
    }

    public void settled(String clientId) {
        CompletableFuture<Void> settled = settling.remove(clientId);
        if (settled != null) {
            settled.complete(null);
        }
    }

    /** Whether {@link #takeDeadPredecessor} would give a node now. */
    public boolean hasDeadPredecessor(String clientId) {
        return deadPredecessors.containsKey(clientId);
    }

    /** The dead node that held {@code clientId} when this node claimed it, once; null when none. */
    public String takeDeadPredecessor(String clientId) {
        return deadPredecessors.remove(clientId);
    }

    public boolean isHolder(String clientId) {
        String holder = holders.get(clientId);
        return holder == null || holder.equals(nodeId);
    }

    public Optional<String> holderOf(String clientId) {
        return Optional.ofNullable(holders.get(clientId));
    }

    /** The identity of the session another live node holds for {@code clientId}, else null. */
    public String holderOwner(String clientId) {
        String holder = holders.get(clientId);
        if (holder == null || holder.equals(nodeId) || !liveness.isAlive(holder)) {
            return null;
        }
        return owners.get(clientId);
    }

    /** The session ended here: the client id no longer belongs to its identity. */
    public void sessionEnded(String clientId) {
        if (nodeId.equals(holders.get(clientId))) {
            owners.remove(clientId);
            send(clientId, new ClaimRecord(ClaimType.RELEASE, nodeId, ENDED_CLAIM_ID, nodeId, null));
        }
    }

    /**
     * Asks the holder of {@code clientId} to disconnect it ({@link ClaimType#DISCONNECT}) or end its
     * session ({@link ClaimType#END}); false when no holder is known.
     */
    public boolean request(String clientId, ClaimType type) {
        String holder = holders.get(clientId);
        if (holder == null) {
            return false;
        }
        ClusterMember current = member.get();
        if (holder.equals(nodeId) && current != null) {
            actOn(clientId, type, current);
            return true;
        }
        send(clientId, new ClaimRecord(type, holder, instanceId + "-" + sequence.incrementAndGet(),
                nodeId, owners.get(clientId)));
        return true;
    }

    private static void actOn(String clientId, ClaimType request, ClusterMember current) {
        if (request == ClaimType.END) {
            current.endSession(clientId);
        } else {
            current.disconnect(clientId);
        }
    }

    /**
     * This node is leaving and its inbox closes: from now on it hands no client over. A node that
     * claims one of its clients waits until this node counts as gone (its leave is announced next)
     * and then reads what is left in its inbox for the client; a hand-over now would leave that
     * unread, as the claimer reads a node's inbox only when it took a client from a dead one.
     */
    public void stopHandingOver() {
        handingOver = false;
    }

    /** Applies one record of the claims topic; {@code caughtUp} once the start-up read is done. */
    public void onRecord(ConsumerRecord<byte[], byte[]> record, boolean caughtUp) {
        String clientId = record.key() == null ? null : new String(record.key(), UTF_8);
        ClaimRecord claim = ClaimRecord.parse(record.value());
        if (clientId == null || claim == null) {
            return;
        }
        String previous = holders.get(clientId);
        if (claim.type() == ClaimType.CLAIM) {
            lastClaims.put(clientId, claim.claimId());
        }
        if (decidesHolder(clientId, claim, previous)) {
            holders.put(clientId, claim.holder());
            if (claim.owner() == null) {
                owners.remove(clientId);
            } else {
                owners.put(clientId, claim.owner());
            }
        }
        if (!caughtUp) {
            return;
        }
        switch (claim.type()) {
            case CLAIM -> onClaim(clientId, claim, previous, noteTakeover(clientId, claim, previous));
            case RELEASE -> {
                takeovers.computeIfPresent(clientId,
                        (id, takeover) -> takeover.holder().equals(claim.holder()) ? null : takeover);
                PendingClaim pending = pendingClaims.get(claim.claimId());
                if (pending != null) {
                    pending.done().complete(null);
                }
            }
            case DISCONNECT, END -> {
                ClusterMember current = member.get();
                if (claim.holder().equals(nodeId) && current != null) {
                    actOn(clientId, claim.type(), current);
                }
            }
        }
    }

    /**
     * Whether {@code record} says who holds the client now: a claim always (the last claim is the
     * holder). A release only when it releases the last claim (an older claim's release that comes
     * after a newer claim, its holder having handed over late, made the older claimer the holder
     * again: its CONNECT went on while the newer claimer's was refused, and the older then handed the
     * session over to the refused one, leaving the client without a connection), or the end of the
     * holder's session; a disconnect or end request only for a client no claim of which was read
     * (the compacted topic may keep it alone).
     */
    private boolean decidesHolder(String clientId, ClaimRecord record, String holder) {
        return switch (record.type()) {
            case CLAIM -> true;
            case RELEASE -> ENDED_CLAIM_ID.equals(record.claimId())
                    ? holder == null || holder.equals(record.holder())
                    : record.claimId().equals(lastClaims.getOrDefault(clientId, record.claimId()));
            case DISCONNECT, END -> holder == null;
        };
    }

    /**
     * Notes {@code claim} as a takeover in progress when it took the client from another node.
     *
     * @return the takeover it replaced: the previous holder's own, if that was still in progress
     */
    private TakeoverInProgress noteTakeover(String clientId, ClaimRecord claim, String previous) {
        if (previous == null || previous.equals(claim.holder())) {
            return takeovers.remove(clientId);
        }
        TakeoverInProgress takeover = new TakeoverInProgress(claim.holder(), previous, System.currentTimeMillis());
        scheduler.schedule(() -> takeovers.remove(clientId, takeover), settleBoundMillis(), TimeUnit.MILLISECONDS);
        return takeovers.put(clientId, takeover);
    }

    private void onClaim(String clientId, ClaimRecord claim, String previous, TakeoverInProgress earlier) {
        ClusterMember current = member.get();
        if (claim.holder().equals(nodeId)) {
            PendingClaim pending = pendingClaims.get(claim.claimId());
            if (pending == null) {
                return;
            }
            pending.readBack().set(true);
            noLongerUnread(pending);
            if (previous == null || previous.equals(nodeId)) {
                // A dead predecessor noted by this node's earlier claim stays: that claim (a CONNECT
                // the client gave up on) or this one recovers it into the session.
                pending.done().complete(null);
            } else if (!liveness.isAlive(previous)) {
                deadPredecessors.put(clientId, previous);
                pending.done().complete(null);
            } else {
                deadPredecessors.remove(clientId);
                TakeoverInProgress previousTakeover = earlier != null && earlier.holder().equals(previous) ? earlier : null;
                scheduler.schedule(() -> awaitHandOverOrDeath(pending, previous, previousTakeover),
                        config.getHandoverTimeoutMs(), TimeUnit.MILLISECONDS);
            }
            return;
        }
        if (handingOver && current != null && (nodeId.equals(previous) || current.holds(clientId))) {
            // A CONNECT of this client still settling here first ends (restored, recovered), so that
            // the session handed over carries what it brought. Unless this node's claim for it is not
            // read back yet: that claim comes after this one, and it waits for this node's release of
            // what it held before, as the other node waits for that claim's release: each would wait
            // for the other until the hand-over timeout, and the session would be lost between them.
            CompletableFuture<Void> before = claimsNotReadBack.containsKey(clientId)
                    ? SETTLED : settling.getOrDefault(clientId, SETTLED);
            before.thenCompose(settled -> current.handOver(clientId))
                    .whenComplete((ignored, error) -> send(clientId,
                            new ClaimRecord(ClaimType.RELEASE, claim.holder(), claim.claimId(), nodeId, claim.owner())));
        }
    }

    /**
     * The previous holder did not release {@code pending}'s client within the hand-over timeout.
     * If it still heartbeats it is alive but slow: go on without it. If its heartbeats stopped, it
     * is probably dead: wait until it counts as dead (at most {@code nodeTimeoutMs} after its last
     * heartbeat) and then recover its inbox, so that a client reconnecting at once after a crash
     * loses nothing. If it is alive but was itself taking the client over from a node whose
     * heartbeats stopped ({@code previousTakeover}), it hands over once that settles: wait for it
     * up to that bound.
     */
    private void awaitHandOverOrDeath(PendingClaim pending, String previous, TakeoverInProgress previousTakeover) {
        if (pending.done().isDone()) {
            return;
        }
        Heartbeat last = liveness.lastHeartbeat(previous);
        long now = System.currentTimeMillis();
        if (last == null || now - last.sentAtMillis() > config.getNodeTimeoutMs()) {
            deadPredecessors.put(pending.clientId(), previous);
            pending.done().complete(null);
            return;
        }
        if (now - last.sentAtMillis() <= 3L * config.getHeartbeatIntervalMs()) {
            long takeoverSettled = previousTakeover == null || heartbeating(previousTakeover.previous(), now)
                    ? now : previousTakeover.claimedAtMillis() + settleBoundMillis();
            if (now < takeoverSettled) {
                scheduler.schedule(() -> awaitHandOverOrDeath(pending, previous, previousTakeover),
                        Math.min(takeoverSettled - now, config.getHandoverTimeoutMs()), TimeUnit.MILLISECONDS);
                return;
            }
            if (pending.done().complete(null)) {
                LOG.warn("cluster: node {} did not hand client {} over within {} ms (cluster.handoverTimeoutMs);"
                        + " continuing without it", previous, pending.clientId(), config.getHandoverTimeoutMs());
            }
            return;
        }
        long untilDead = last.sentAtMillis() + config.getNodeTimeoutMs() - now + 1;
        scheduler.schedule(() -> awaitHandOverOrDeath(pending, previous, previousTakeover), Math.max(1, untilDead),
                TimeUnit.MILLISECONDS);
    }

    /** Once per claim: read back, or given up before. */
    private void noLongerUnread(PendingClaim pending) {
        if (pending.unread().compareAndSet(true, false)) {
            claimsNotReadBack.computeIfPresent(pending.clientId(), (id, count) -> count == 1 ? null : count - 1);
        }
    }

    private boolean heartbeating(String node, long now) {
        Heartbeat last = liveness.lastHeartbeat(node);
        return last != null && now - last.sentAtMillis() <= 3L * config.getHeartbeatIntervalMs();
    }

    /** How long a CONNECT may take to settle here: the claim, a hand-over, a dead holder, its recovery. */
    private long settleBoundMillis() {
        return (long) config.getClaimTimeoutMs() + config.getHandoverTimeoutMs() + config.getNodeTimeoutMs()
                + config.getRecoveryTimeoutMs();
    }

    private CompletableFuture<Void> send(String clientId, ClaimRecord claim) {
        return control.send(new ProducerRecord<>(config.claimsTopic(), clientId.getBytes(UTF_8), claim.encode()));
    }
}
