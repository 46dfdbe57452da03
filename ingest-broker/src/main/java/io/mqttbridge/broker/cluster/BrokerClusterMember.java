package io.mqttbridge.broker.cluster;

import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.connection.ShutdownClose;
import io.mqttbridge.broker.routing.MessageRouter;
import io.mqttbridge.broker.routing.PendingDeliveries;
import io.mqttbridge.broker.session.RecoveredMessages;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.SessionManager;
import io.mqttbridge.broker.session.Subscription;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker as its cluster fabric sees it: messages other nodes accepted go to the local sessions
 * only, sessions are handed over to and recovered from other nodes, clients are disconnected on
 * request. Callable from any thread; the work runs on the sessions' executors.
 */
public final class BrokerClusterMember implements ClusterFabric.ClusterMember {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerClusterMember.class);

    private final SessionManager sessions;
    private final MessageRouter router;
    private final BooleanSupplier running;
    private final PendingDeliveries pendingPublishes;
    private final Predicate<String> disconnect;
    private final Predicate<String> endSession;
    // Set while the broker leaves the cluster: forwarded messages are still taken.
    private volatile boolean leaving;

    /**
     * @param running whether the broker runs (forwarded messages are refused otherwise)
     * @param pendingPublishes the broker's deliveries in progress, failed when it stops
     * @param disconnect disconnects a client with 0x98 administrative action; false when not connected
     * @param endSession ends a client's session, connected or not; false when there is none
     */
    public BrokerClusterMember(SessionManager sessions, MessageRouter router, BooleanSupplier running,
            PendingDeliveries pendingPublishes, Predicate<String> disconnect, Predicate<String> endSession) {
        this.sessions = sessions;
        this.router = router;
        this.running = running;
        this.pendingPublishes = pendingPublishes;
        this.disconnect = disconnect;
        this.endSession = endSession;
    }

    @Override
    public CompletableFuture<Integer> deliverForwarded(PublishedMessage message, ClusterFabric.ForwardedScope scope) {
        if (!running.getAsBoolean() && !leaving) {
            return CompletableFuture.failedFuture(new IllegalStateException("MQTT broker is not running"));
        }
        // Complete (and let the inbox commit) once persistent sessions here stored it too.
        return pendingPublishes.track(onHandled -> router.routeForwarded(message, scope, onHandled));
    }

    /**
     * A clean stop begins (before the broker stops running): forwarded messages are still taken
     * until {@link #leave} has stopped the fabric.
     */
    public void beginLeave() {
        leaving = true;
    }

    /**
     * The cluster's part of a clean stop, once the clients were disconnected and the sessions saved:
     * until the sessions handed over to other nodes during the stop (their clients reconnected
     * there at once) have re-forwarded what still reaches them here, at most twice the re-forward
     * window, this node still reads its inbox and takes forwarded messages; then the fabric stops
     * (no more hand-overs, inbox closed and committed, leave announced; a client that reconnects
     * later finds this node gone, and its new node reads what is left in this node's inbox). Before,
     * the inbox records of a moment were refused once the broker stopped running, and the client's
     * new node, which took it over from a live node, never looked for them: acknowledged messages lost.
     */
    public void leave(ClusterFabric fabric) {
        leaving = true;
        try {
            if (!sessions.awaitReforwardsEnded(2 * fabric.reforwardWindowMillis())) {
                LOG.warn("cluster: sessions handed over during the stop still re-forwarded after {} ms; stopping",
                        2 * fabric.reforwardWindowMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            fabric.stop();
            leaving = false;
        }
    }

    @Override
    public CompletableFuture<Void> handOver(String clientId) {
        return sessions.handOver(clientId);
    }

    @Override
    public List<String> nonSharedTopicFilters(String clientId) {
        Session session = sessions.get(clientId);
        if (session == null) {
            return List.of();
        }
        List<String> filters = new ArrayList<>();
        for (Subscription subscription : session.subscriptions()) {
            if (subscription.shareGroup() == null) {
                filters.add(subscription.topicFilter());
            }
        }
        return filters;
    }

    @Override
    public CompletableFuture<Integer> recover(String clientId, List<PublishedMessage> messages) {
        Session session = sessions.get(clientId);
        if (session == null || messages.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        CompletableFuture<Integer> handed = new CompletableFuture<>();
        // On the session's executor: what it holds cannot change while the missing ones are picked.
        session.execute(() -> {
            try {
                // What was routed to it meanwhile waits for these (newer), and reached it once already.
                List<PublishedMessage> missing = RecoveredMessages.notIn(session.snapshot().pending(),
                        sessions.recoveryHolds().waiting(session), messages);
                List<CompletableFuture<Void>> stored = new ArrayList<>(missing.size());
                for (PublishedMessage message : missing) {
                    stored.add(router.recoverToSession(message, session));
                }
                CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
                    if (error == null) {
                        handed.complete(missing.size());
                    } else {
                        handed.completeExceptionally(error);
                    }
                });
            } catch (RuntimeException e) {
                handed.completeExceptionally(e);
            }
        });
        return handed;
    }

    @Override
    public CompletableFuture<List<ClusterFabric.SharedGroupMessage>> takeSharedMessagesOf(String node,
            java.util.Set<String> sharedGroups, String round) {
        return sessions.takeSharedMessagesOf(node, sharedGroups, round).thenApply(taken -> taken.stream()
                .map(shared -> new ClusterFabric.SharedGroupMessage(shared.message(), shared.sharedGroup()))
                .toList());
    }

    @Override
    public CompletableFuture<Void> forgetRecovered(String node, String round) {
        return sessions.forgetRecovered(node, round);
    }

    @Override
    public boolean disconnect(String clientId) {
        return disconnect.test(clientId);
    }

    @Override
    public boolean endSession(String clientId) {
        return endSession.test(clientId);
    }

    @Override
    public boolean holds(String clientId) {
        return sessions.get(clientId) != null;
    }

    @Override
    public int disconnectAll() {
        int count = 0;
        for (Session session : sessions.all()) {
            ClientConnection connection = session.connection();
            if (connection != null) {
                // As at a stop: the PUBCOMPs it owes first, or a client may send those messages anew.
                ShutdownClose.close(connection);
                count++;
            }
        }
        return count;
    }
}
