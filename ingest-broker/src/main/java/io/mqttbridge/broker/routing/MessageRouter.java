package io.mqttbridge.broker.routing;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.netty.RoutedMessage;
import io.mqttbridge.broker.session.ArrivedSessions;
import io.mqttbridge.broker.session.RecoveryHolds;
import io.mqttbridge.broker.session.Session;
import io.mqttbridge.broker.session.SharedMessage;
import io.mqttbridge.broker.session.Subscription;
import io.mqttbridge.broker.spi.ClusterFabric.ForwardedScope;
import io.mqttbridge.broker.spi.ClusterFabric.Forwarding;
import io.mqttbridge.broker.spi.ClusterFabric;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.RetainedStore;
import io.mqttbridge.broker.topic.TopicTree;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * Hands an accepted application message to every matching session (and to the retained store).
 * Callable from any thread without locks: it reads the topic tree and enqueues one delivery per
 * matching session; a client matched by several of its subscriptions gets one delivery at the
 * highest of their QoS with all their subscription identifiers [MQTT-3.3.5-1]; each shared
 * subscription group gets one delivery, to a connected member when there is one.
 *
 * <p>In a cluster ({@link ClusterFabric}) a message accepted on this node is also forwarded to the
 * nodes whose subscriptions match ({@link #routeAndForward}), and each shared group is served by the
 * one node the fabric picks; messages forwarded by other nodes come in through
 * {@link #routeForwarded} and reach only the subscriptions of their scope.
 */
public final class MessageRouter {

    private static final Logger LOG = LoggerFactory.getLogger(MessageRouter.class);
    private static final int[] NO_IDS = new int[0];
    private static final CompletableFuture<Void> STORED = CompletableFuture.completedFuture(null);

    private final TopicTree<Subscription> tree;
    private final RetainedStore retainedStore;
    private final BrokerConfig config;
    private final ClusterFabric fabric;
    private final ArrivedSessions arrivals;

    public MessageRouter(TopicTree<Subscription> tree, RetainedStore retainedStore, BrokerConfig config) {
        this(tree, retainedStore, config, ClusterFabric.SINGLE_NODE);
    }

    public MessageRouter(TopicTree<Subscription> tree, RetainedStore retainedStore, BrokerConfig config,
                         ClusterFabric fabric) {
        this(tree, retainedStore, config, fabric, new ArrivedSessions());
    }

    /** @param arrivals sessions that moved here from another node, each handed a message once */
    public MessageRouter(TopicTree<Subscription> tree, RetainedStore retainedStore, BrokerConfig config,
                         ClusterFabric fabric, ArrivedSessions arrivals) {
        this.tree = tree;
        this.retainedStore = retainedStore;
        this.config = config;
        this.fabric = fabric;
        this.arrivals = arrivals;
    }

    /**
     * Routes {@code message}; {@code onHandled}, when not null, is called once with the number of
     * sessions after every one of them has written or queued it.
     *
     * @return the number of sessions the message is handed to
     */
    public int route(PublishedMessage message, IntConsumer onHandled) {
        storeRetained(message);
        return route(message, true, null, onHandled, null);
    }

    /**
     * Routes {@code message} like {@link #route(PublishedMessage, IntConsumer)} and tells when it is
     * durable for every persistent session that takes it at QoS 1 or 2: the publisher may be
     * acknowledged only then. Costs nothing more when no such session matches.
     *
     * @return completes once every persistent matching session stored the message (at once when none
     *     matches), or exceptionally when a session store failed
     */
    public CompletableFuture<Void> routeDurably(PublishedMessage message, IntConsumer onHandled) {
        storeRetained(message);
        return routeDurably(message, true, null, onHandled);
    }

    private CompletableFuture<Void> routeDurably(PublishedMessage message, boolean nonShared,
                                                 Predicate<String> servesShared, IntConsumer onHandled) {
        List<CompletableFuture<Void>> stored = new ArrayList<>(0);
        route(message, nonShared, servesShared, onHandled, stored);
        return switch (stored.size()) {
            case 0 -> STORED;
            case 1 -> stored.get(0);
            default -> CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new));
        };
    }

    /**
     * Routes a message accepted on this node like {@link #routeDurably} and forwards it to the other
     * nodes of the cluster that need it.
     *
     * @return completes once the local persistent sessions stored it and the other nodes have it (in
     *     Kafka); on a single node exactly {@link #routeDurably}
     */
    public CompletableFuture<Void> routeAndForward(PublishedMessage message, IntConsumer onHandled) {
        if (!fabric.isClustered()) {
            return routeDurably(message, onHandled);
        }
        Forwarding forwarding;
        try {
            forwarding = fabric.forward(message);
        } catch (RuntimeException e) {
            LOG.warn("cluster fabric failed to forward a message on topic {}", message.topic(), e);
            forwarding = failed(e);
        }
        storeRetained(message);
        CompletableFuture<Void> stored = routeDurably(message, true, forwarding::servesSharedGroupLocally, onHandled);
        CompletableFuture<Void> forwarded = forwarding.acknowledged();
        if (forwarded.isDone() && !forwarded.isCompletedExceptionally()) {
            return stored;
        }
        return stored.isDone() && !stored.isCompletedExceptionally() ? forwarded : CompletableFuture.allOf(stored, forwarded);
    }

    /**
     * Routes a message another node accepted to the local sessions in {@code scope}; nothing else
     * (no forwarding, no retained store).
     *
     * @return completes once the local persistent sessions stored it
     */
    public CompletableFuture<Void> routeForwarded(PublishedMessage message, ForwardedScope scope, IntConsumer onHandled) {
        if (scope.onlyClient() != null) {
            Session session = arrivals.session(scope.onlyClient());
            boolean first = session != null && arrivals.firstTime(session.clientId(), message);
            CompletableFuture<Void> stored = first ? routeToSession(message, session) : STORED;
            if (onHandled != null) {
                onHandled.accept(first ? 1 : 0);
            }
            return stored;
        }
        return routeDurably(message, scope.nonShared(), scope.sharedTopicFilters()::contains, onHandled);
    }

    /**
     * Routes a message another node accepted to {@code session} alone, through its matching
     * non-shared subscriptions (a message recovered from a dead node's inbox for a session that
     * moved here). No forwarding, no retained store, no shared groups.
     *
     * @return completes once the session stored it (at once when it does not write through)
     */
    public CompletableFuture<Void> routeToSession(PublishedMessage message, Session session) {
        return routeToSession(message, session, false);
    }

    /**
     * {@link #routeToSession} for a message recovered from a dead node's inbox: it goes ahead of what
     * waits for the session's recovery ({@link RecoveryHolds}), which is newer.
     */
    public CompletableFuture<Void> recoverToSession(PublishedMessage message, Session session) {
        return routeToSession(message, session, true);
    }

    private CompletableFuture<Void> routeToSession(PublishedMessage message, Session session, boolean recovered) {
        List<CompletableFuture<Void>> stored = new ArrayList<>(0);
        route(message, true, group -> false, null, stored, session, recovered);
        return stored.isEmpty() ? STORED : CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new));
    }

    /**
     * Gives messages a session got through shared subscriptions, and did not deliver for sure before
     * it ended, to another member of each one's group: one here if the group has one, else (in a
     * cluster) a member on another node. Best effort: a message no member takes is dropped (logged).
     */
    public void redistribute(List<SharedMessage> orphans) {
        for (SharedMessage orphan : orphans) {
            String group = orphan.sharedGroup();
            int here = route(orphan.message(), false, group::equals, null, null);
            if (here == 0) {
                fabric.forwardToSharedGroup(orphan.message(), group).whenComplete((taken, error) -> {
                    if (error != null || !Boolean.TRUE.equals(taken)) {
                        LOG.warn("no other member of {} took a message on {} its ended member had not delivered",
                                group, orphan.message().topic());
                    }
                });
            }
        }
    }

    private void storeRetained(PublishedMessage message) {
        if (message.retain() && config.isRetainAvailable()) {
            retainedStore.put(message).whenComplete((ignored, error) -> {
                if (error != null) {
                    LOG.warn("retained store failed for topic {}", message.topic(), error);
                }
            });
        }
    }

    private static Forwarding failed(RuntimeException e) {
        CompletableFuture<Void> failure = CompletableFuture.failedFuture(e);
        return new Forwarding() {
            @Override
            public CompletableFuture<Void> acknowledged() {
                return failure;
            }

            @Override
            public boolean servesSharedGroupLocally(String sharedTopicFilter) {
                return true;
            }
        };
    }

    /**
     * @param nonShared whether non-shared subscriptions get the message
     * @param servesShared which shared groups ({@code $share/g/f}) get it; {@code null} for all
     */
    private int route(PublishedMessage message, boolean nonShared, Predicate<String> servesShared,
                      IntConsumer onHandled, List<CompletableFuture<Void>> stored) {
        return route(message, nonShared, servesShared, onHandled, stored, null, false);
    }

    /**
     * @param only when not null, the one session that may get the message
     * @param recovered whether the message is recovered from a dead node's inbox for {@code only}
     */
    private int route(PublishedMessage message, boolean nonShared, Predicate<String> servesShared,
                      IntConsumer onHandled, List<CompletableFuture<Void>> stored, Session only, boolean recovered) {
        RoutedMessage routed = RoutedMessage.of(message);
        // Sessions that just moved here take each message once, whether it came directly or was
        // re-forwarded by the node they left: the matching ones are routed to one by one below.
        Collector collector = new Collector(message.clientId(), message.topic(), nonShared, servesShared, only,
                only == null && nonShared && arrivals.any() ? arrivals : null);
        tree.match(message.topic(), collector);
        for (Session session : collector.arriving) {
            if (arrivals.firstTime(session.clientId(), message)) {
                route(message, true, group -> false, null, stored, session, false);
            }
        }
        int count = collector.targets.size() + collector.shared.size();
        Runnable perSession = null;
        if (onHandled != null) {
            if (count == 0) {
                onHandled.accept(0);
            } else {
                AtomicInteger left = new AtomicInteger(count);
                perSession = () -> {
                    if (left.decrementAndGet() == 0) {
                        onHandled.accept(count);
                    }
                };
            }
        }
        for (Target target : collector.targets.values()) {
            int qos = Math.min(message.qos(), target.qos);
            if (recovered) {
                RecoveryHolds.deliverRecovered(target.session, routed, qos,
                        target.retainAsPublished && message.retain(), target.ids(),
                        storedFuture(target.session, qos, stored));
                continue;
            }
            target.session.deliver(routed, qos, target.retainAsPublished && message.retain(), target.ids(), perSession,
                    storedFuture(target.session, qos, stored));
        }
        for (Subscription subscription : collector.shared) {
            int qos = Math.min(message.qos(), subscription.qos());
            subscription.session().deliver(routed, qos, subscription.retainAsPublished() && message.retain(),
                    subscription.subscriptionIdentifier() == 0 ? NO_IDS : new int[] {subscription.subscriptionIdentifier()},
                    perSession, storedFuture(subscription.session(), qos, stored), subscription.topicFilter());
        }
        return count;
    }

    private static CompletableFuture<Void> storedFuture(Session session, int qos,
                                                        List<CompletableFuture<Void>> stored) {
        if (stored == null || qos == 0 || !session.isPersistent() && !session.forwardsElsewhere()) {
            return null;
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        stored.add(future);
        return future;
    }

    /** Whether {@link #routeAndForward} also forwards messages to other nodes (a cluster). */
    public boolean forwardsToOtherNodes() {
        return fabric.isClustered();
    }

    public int subscriptionCount() {
        return tree.size();
    }

    private static final class Target {
        final Session session;
        int qos;
        boolean retainAsPublished;
        int[] ids = NO_IDS;
        int idCount;

        Target(Session session) {
            this.session = session;
        }

        void add(Subscription subscription) {
            qos = Math.max(qos, subscription.qos());
            retainAsPublished |= subscription.retainAsPublished();
            if (subscription.subscriptionIdentifier() != 0) {
                if (idCount == ids.length) {
                    ids = Arrays.copyOf(ids, Math.max(2, ids.length * 2));
                }
                ids[idCount++] = subscription.subscriptionIdentifier();
            }
        }

        int[] ids() {
            return idCount == ids.length ? ids : Arrays.copyOf(ids, idCount);
        }
    }

    private static final class Collector implements TopicTree.Visitor<Subscription> {
        private final String publisherClientId;
        private final String topic;
        private final boolean nonShared;
        private final Predicate<String> servesShared;
        final Map<Session, Target> targets = new HashMap<>(4);
        final List<Subscription> shared = new ArrayList<>(0);
        private final Session only;
        private final ArrivedSessions arrivals;
        // Matching sessions that arrived from another node lately: routed to one by one.
        final Set<Session> arriving = new HashSet<>(0);

        Collector(String publisherClientId, String topic, boolean nonShared, Predicate<String> servesShared,
                  Session only, ArrivedSessions arrivals) {
            this.only = only;
            this.arrivals = arrivals;
            this.publisherClientId = publisherClientId;
            this.topic = topic;
            this.nonShared = nonShared;
            this.servesShared = servesShared;
        }

        @Override
        public void subscription(Subscription subscription) {
            if (!nonShared || only != null && subscription.session() != only) {
                return;
            }
            if (arrivals != null && arrivals.isArriving(subscription.session())) {
                arriving.add(subscription.session());
                return;
            }
            if (subscription.noLocal() && subscription.session().clientId().equals(publisherClientId)) {
                return;
            }
            // The subscriber's ACL may hide this topic from a subscription that only overlaps a deny rule.
            if (!subscription.delivers(topic)) {
                return;
            }
            targets.computeIfAbsent(subscription.session(), Target::new).add(subscription);
        }

        @Override
        public void sharedGroup(TopicTree.SharedGroup<Subscription> group) {
            // Asked before picking: a message another node's member serves must not take a turn from
            // this node's members (with two nodes taking turns, one of two local members got nothing).
            if (servesShared != null) {
                Subscription any = group.anyMember();
                if (any == null || !servesShared.test(any.topicFilter())) {
                    return;
                }
            }
            Subscription member = group.pick(s -> s.session().isOnline() && s.delivers(topic));
            if (member == null || !member.delivers(topic)) {
                member = group.pick(s -> s.delivers(topic));
            }
            if (member != null && member.delivers(topic)) {
                shared.add(member);
            }
        }
    }
}
