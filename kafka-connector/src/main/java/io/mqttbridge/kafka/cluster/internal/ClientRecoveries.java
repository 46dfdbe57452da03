package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.spi.ClusterFabric.ClusterMember;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients of dead nodes that resume on this node, recovered in batches. Each client that
 * claimed itself here from a dead holder waits in that dead node's queue; the next run on the
 * recovery thread takes the whole queue, reads the dead node's inbox on once to its end
 * ({@link DeadInboxCache}), gives every client the messages its own non-shared filters match and
 * its session does not have ({@link ClusterMember#recover}), and waits for all of them together, so
 * that their session-store writes coalesce. One client at a time (a few milliseconds each, mostly
 * waiting for its store write), a failover of thousands of clients outlasted their CONNECT timeouts.
 *
 * <p>Threading: {@link #recover} from any thread; the batches run on the recovery thread.
 */
final class ClientRecoveries {

    private static final Logger LOG = LoggerFactory.getLogger(ClientRecoveries.class);

    private record Waiting(String clientId, CompletableFuture<Void> done) {
    }

    private final ClusterConfig config;
    private final Executor recoveryThread;
    private final Supplier<ClusterMember> member;
    private final NodeLiveness liveness;
    private final DeadInboxCache inboxes;
    private final Function<String, Properties> inboxProperties;
    private final AtomicLong recovered;
    // Dead node -> the clients waiting for its inbox; guarded by itself.
    private final Map<String, List<Waiting>> waiting = new HashMap<>();

    /** @param inboxProperties dead node -> consumer properties for its inbox (with its group id) */
    ClientRecoveries(ClusterConfig config, Executor recoveryThread, Supplier<ClusterMember> member, NodeLiveness liveness,
            DeadInboxCache inboxes, Function<String, Properties> inboxProperties, AtomicLong recovered) {
        this.config = config;
        this.recoveryThread = recoveryThread;
        this.member = member;
        this.liveness = liveness;
        this.inboxes = inboxes;
        this.inboxProperties = inboxProperties;
        this.recovered = recovered;
    }

    /** Completes once {@code clientId}'s session here has what {@code dead} had for it; never fails. */
    CompletableFuture<Void> recover(String clientId, String dead) {
        Waiting client = new Waiting(clientId, new CompletableFuture<>());
        boolean first;
        synchronized (waiting) {
            List<Waiting> queue = waiting.computeIfAbsent(dead, node -> new ArrayList<>());
            first = queue.isEmpty();
            queue.add(client);
        }
        if (first) {
            try {
                recoveryThread.execute(() -> recoverWaiting(dead));
            } catch (RejectedExecutionException e) {
                takeWaiting(dead).forEach(stopped -> stopped.done().complete(null));
            }
        }
        return client.done();
    }

    private List<Waiting> takeWaiting(String dead) {
        synchronized (waiting) {
            List<Waiting> batch = waiting.remove(dead);
            return batch == null ? List.of() : batch;
        }
    }

    private void recoverWaiting(String dead) {
        List<Waiting> batch = takeWaiting(dead);
        if (batch.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        try {
            ClusterMember current = member.get();
            DeadInboxCache.Read read = inboxes.readToEnd(dead, liveness.lastInstance(dead), config.inboxTopic(dead),
                    () -> inboxProperties.apply(dead), Duration.ofMillis(config.getRecoveryTimeoutMs()));
            List<CompletableFuture<Integer>> handed = new ArrayList<>(batch.size());
            for (Waiting client : batch) {
                List<PublishedMessage> share = read.backlog().matching(current.nonSharedTopicFilters(client.clientId()),
                        read.endOffsets());
                handed.add(current.recover(client.clientId(), share).whenComplete((count, error) -> {
                    if (count != null) {
                        recovered.addAndGet(count);
                    }
                }));
            }
            long total = awaitAll(handed, started);
            if (!read.complete()) {
                LOG.warn("cluster: read only part of dead node {}'s inbox for {} resuming clients within {} ms"
                        + " (cluster.recoveryTimeoutMs)", dead, batch.size(), config.getRecoveryTimeoutMs());
            }
            LOG.info("cluster: {} clients of dead node {} (first {}): {} messages recovered from its inbox backlog"
                    + " of {} ({} records read now) in {} ms", batch.size(), dead, batch.get(0).clientId(), total,
                    read.backlog().size(), read.newRecords(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt(); // stopping
            }
            LOG.warn("cluster: could not recover the messages of {} clients (first {}) from dead node {}: {}",
                    batch.size(), batch.get(0).clientId(), dead, e.toString());
        } finally {
            batch.forEach(client -> client.done().complete(null));
        }
    }

    /** Waits for every session's hand-over, within what is left of {@code recoveryTimeoutMs}; the messages handed. */
    private long awaitAll(List<CompletableFuture<Integer>> handed, long startedNanos) throws InterruptedException {
        long left = Math.max(1, config.getRecoveryTimeoutMs() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
        try {
            CompletableFuture.allOf(handed.toArray(CompletableFuture[]::new)).get(left, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("cluster: not every resuming session took its recovered messages within {} ms: {}",
                    config.getRecoveryTimeoutMs(), e.toString());
        }
        long total = 0;
        for (CompletableFuture<Integer> count : handed) {
            total += count.isDone() && !count.isCompletedExceptionally() ? count.join() : 0;
        }
        return total;
    }
}
