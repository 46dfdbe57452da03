package io.mqttbridge.broker.spi;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What joins this broker node to the other nodes of a cluster, so that they behave as one broker:
 * which filters the node's sessions subscribe to (so that other nodes send it only what its
 * subscribers need), messages accepted here that subscribers on other nodes need, messages other
 * nodes accepted for subscribers here, and one live connection per client id in the cluster.
 * {@link #SINGLE_NODE} is the fabric of a broker alone: nothing is forwarded, nothing waits.
 *
 * <p>Threading: {@link #subscriptionAdded}, {@link #subscriptionRemoved}, {@link #forward} and
 * {@link #claim} are called on event loops and must not block; futures may complete on any thread
 * (the broker hops back). {@link #start} and {@link #stop} are called from the thread starting and
 * stopping the broker and may block. A fabric calls its {@link ClusterMember} from its own threads.
 *
 * <p>Errors: a forward that fails completes {@link Forwarding#acknowledged()} exceptionally with a
 * {@link PublishRejectedException}, so the publisher gets no positive acknowledgement; a claim
 * that fails refuses the connection (server unavailable).
 */
public interface ClusterFabric {

    /** The fabric of a single node: no other node, no Kafka round trip. */
    ClusterFabric SINGLE_NODE = new SingleNodeFabric();

    /** Whether other nodes exist at all; {@code false} lets the broker skip every cluster step. */
    boolean isClustered();

    /**
     * Joins the cluster; from now on the fabric may call {@code member}. Called by
     * {@code MqttBroker.start} before sessions are restored and listeners bind.
     *
     * @throws IllegalStateException naming the setting when the node cannot join (e.g. its node id is in use)
     */
    void start(ClusterMember member);

    /** Leaves the cluster: called by {@code MqttBroker.stop} after every connection closed. */
    void stop();

    /**
     * A session of this node subscribed to {@code topicFilter} (as the client sent it, shared ones
     * with their {@code $share/group/} prefix). Every call is balanced by one
     * {@link #subscriptionRemoved}; the fabric counts them per filter.
     *
     * @return completes once the other nodes can learn the filter even if this node dies now (its
     *     routes record is in Kafka), at once on a single node; never fails (a record Kafka refused
     *     is logged, and the filter is then known on this node only). The SUBACK waits for it.
     */
    CompletableFuture<Void> subscriptionAdded(String topicFilter);

    void subscriptionRemoved(String topicFilter);

    /**
     * Sends {@code message}, accepted on this node (from a client, a will or the downlink), to every
     * other node with a matching subscription, and decides which node serves each matching shared
     * subscription group.
     */
    Forwarding forward(PublishedMessage message);

    /**
     * Makes this node the holder of {@code clientId} before a CONNECT is accepted here: the node
     * that held the client disconnects it and saves its session first. Completes when the session
     * can be loaded from the session store (or when the previous holder did not answer in time).
     */
    CompletableFuture<Void> claim(String clientId);

    /**
     * {@link #claim} for a client that connects as {@code owner} (the authenticated identity, null
     * when anonymous): the claim tells the other nodes who the session belongs to, so that another
     * identity cannot take it over through them ({@link #holderOwner}).
     */
    default CompletableFuture<Void> claim(String clientId, String owner) {
        return claim(clientId);
    }

    /**
     * The identity the session of {@code clientId} belongs to on the live node that holds it, when
     * that is another node and the session there belongs to an identity; otherwise {@code null}.
     */
    default String holderOwner(String clientId) {
        return null;
    }

    /**
     * {@code clientId}'s session ended on this node (clean session disconnected, expired, cleared):
     * the client id no longer belongs to its identity. Never blocks.
     */
    default void sessionEnded(String clientId) {
    }

    /**
     * Whether this node is still the holder of {@code clientId} as far as it knows: {@code false}
     * once another node claimed it later. Checked after a session was opened here, because a claim
     * of another node may have been read between this node's claim and the session's opening.
     */
    boolean isHolder(String clientId);

    /**
     * Called after a session claimed with {@link #claim} was restored here from the session store:
     * when the node that held the client was dead (no heartbeat), hands the session the messages
     * that were forwarded to that node for it and that the store does not have (through
     * {@link ClusterMember#recover}). Completes when they are handed over, at once when there is
     * nothing to recover; never fails the connection (a recovery that fails is logged). May block
     * nothing on the caller's thread.
     */
    default CompletableFuture<Void> recoverFromDeadHolder(String clientId) {
        return SingleNodeFabric.DONE;
    }

    /**
     * Whether {@link #recoverFromDeadHolder} has a dead node to recover {@code clientId}'s messages
     * from: the node that held the client when this node claimed it was dead. Never blocks.
     */
    default boolean hasDeadHolder(String clientId) {
        return false;
    }

    /**
     * A client claimed here started clean: what a dead node that held it had for its old session
     * is not recovered, now or at a later claim.
     */
    default void forgetDeadHolder(String clientId) {
    }

    /**
     * Called once the CONNECT that {@link #claim} was made for settled on this node (session opened,
     * restored or not, or the connection refused): messages re-forwarded for {@code clientId} by the
     * node it came from, which waited for this, may now be delivered. Never blocks.
     */
    default void claimSettled(String clientId) {
    }

    /**
     * How long a node that handed a persistent session over to another node keeps that session's
     * non-shared subscriptions and re-forwards what they match to the new holder
     * ({@link #reforward}): long enough for every node to learn the new holder's routes. 0 on a
     * single node.
     */
    default long reforwardWindowMillis() {
        return 0;
    }

    /**
     * Sends {@code message}, which reached this node for {@code clientId}'s session after that
     * session was handed over to another node, to the node that holds the client now, for that
     * session alone. Completes when that node has it durably (at once when this node holds the
     * client again or no holder is known); never blocks.
     */
    default CompletableFuture<Void> reforward(String clientId, PublishedMessage message) {
        return SingleNodeFabric.DONE;
    }

    /**
     * Sends {@code message} to another live node with a member of the shared subscription
     * {@code sharedTopicFilter} ({@code $share/g/f}), for that group only: a member on this node
     * left the group before its client had the message. Completes with false when no other node
     * has a member (at once on a single node); never blocks.
     */
    default CompletableFuture<Boolean> forwardToSharedGroup(PublishedMessage message, String sharedTopicFilter) {
        return CompletableFuture.completedFuture(false);
    }

    /** The outcome of {@link #forward} for the node that accepted the message. */
    interface Forwarding {

        /** Nothing was forwarded and every shared group is served here. */
        Forwarding LOCAL_ONLY = new Forwarding() {
            @Override
            public CompletableFuture<Void> acknowledged() {
                return SingleNodeFabric.DONE;
            }

            @Override
            public boolean servesSharedGroupLocally(String sharedTopicFilter) {
                return true;
            }
        };

        /** Completes when every node the message went to has it durably (in Kafka). */
        CompletableFuture<Void> acknowledged();

        /** Whether this node delivers to its members of {@code sharedTopicFilter} ({@code $share/g/f}). */
        boolean servesSharedGroupLocally(String sharedTopicFilter);
    }

    /**
     * Which of this node's subscriptions a message forwarded by another node is for.
     *
     * @param nonShared whether every matching non-shared subscription gets it
     * @param sharedTopicFilters the shared subscription groups ({@code $share/g/f}) this node serves for it
     * @param onlyClient when not null, the message was re-forwarded by the node {@code onlyClient}'s
     *     session was handed over from, and only that session gets it (through its non-shared
     *     subscriptions), unless it already has it
     */
    record ForwardedScope(boolean nonShared, Set<String> sharedTopicFilters, String onlyClient) {
        public ForwardedScope {
            sharedTopicFilters = Set.copyOf(sharedTopicFilters);
        }

        public ForwardedScope(boolean nonShared, Set<String> sharedTopicFilters) {
            this(nonShared, sharedTopicFilters, null);
        }
    }

    /** A message for one member of the shared subscription {@code sharedTopicFilter} ({@code $share/g/f}). */
    record SharedGroupMessage(PublishedMessage message, String sharedTopicFilter) {
    }

    /** The broker node as the fabric sees it. Implemented by the broker; callable from any thread. */
    interface ClusterMember {

        /**
         * Delivers a message another node accepted to this node's matching sessions in {@code scope}:
         * no mirroring, no forwarding again, no retained store write (the accepting node did those).
         * Completes as {@link MessagePublisher#publish} does.
         */
        CompletableFuture<Integer> deliverForwarded(PublishedMessage message, ForwardedScope scope);

        /**
         * Another node took {@code clientId} over: disconnect it here (MQTT 5 DISCONNECT 0x8E), save
         * its session to the session store and forget it locally (without removing it from the
         * store). Completes when the store has the session; at once when there was none here.
         */
        CompletableFuture<Void> handOver(String clientId);

        /**
         * Hands {@code messages}, forwarded to a node that died while it held {@code clientId}, to
         * that client's session here, through its matching non-shared subscriptions, skipping those
         * the session already has (same publisher, topic, receive time and payload), in order.
         * Completes with the number handed over once the session stored them; with 0 when there is
         * no such session here.
         */
        CompletableFuture<Integer> recover(String clientId, java.util.List<PublishedMessage> messages);

        /**
         * The topic filters of {@code clientId}'s session here that are not shared subscriptions, as
         * the client sent them (empty without a session): what it may recover from a dead node's
         * inbox. Callable from any thread.
         */
        java.util.List<String> nonSharedTopicFilters(String clientId);

        /**
         * Takes out of the stored sessions of the dead node {@code node} the messages they got
         * through the shared subscriptions {@code sharedGroups} (those with a live member) and had
         * not delivered for sure (queued, or sent and not past PUBREC), so that the fabric gives
         * them to other members of their groups; the sessions no longer hold them when their
         * clients come back. The store keeps them for {@code round} until {@link #forgetRecovered},
         * and adds what an earlier round for {@code node} took and did not forget (its survivor
         * died): {@link SessionStore#takeSharedMessages}. Completes with them (empty without a
         * cluster-wide session store), in order per session.
         */
        default CompletableFuture<java.util.List<SharedGroupMessage>> takeSharedMessagesOf(String node,
                Set<String> sharedGroups, String round) {
            return CompletableFuture.completedFuture(java.util.List.of());
        }

        /**
         * The messages {@link #takeSharedMessagesOf} returned for {@code round} were handed over:
         * the store forgets them ({@link SessionStore#forgetRecovered}).
         */
        default CompletableFuture<Void> forgetRecovered(String node, String round) {
            return CompletableFuture.completedFuture(null);
        }

        /** Disconnects {@code clientId} if it is connected here (MQTT 5: 0x98 administrative action). */
        boolean disconnect(String clientId);

        /**
         * Ends the session of {@code clientId} here, connected or not, with its subscriptions and queued
         * messages (an operator's request from another node). @return whether there was one
         */
        default boolean endSession(String clientId) {
            return false;
        }

        /** Whether {@code clientId} has a session on this node, connected or not. */
        boolean holds(String clientId);

        /** Closes every client connection (this node lost the cluster): they reconnect elsewhere. */
        int disconnectAll();
    }
}
