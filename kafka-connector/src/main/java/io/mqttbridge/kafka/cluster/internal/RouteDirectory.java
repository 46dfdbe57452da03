package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.broker.topic.TopicTree;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Which node subscribes to which filter, for every node of the cluster (this one included): the
 * broker's lock-free {@link TopicTree} with node ids as owners. Thread-safe: written by the thread
 * reading the routes topic and by this node's event loops (its own filters), read by event loops.
 */
public final class RouteDirectory {

    private static final String SHARE_PREFIX = "$share/";

    /** One node's subscription to one filter as the client sent it ({@code $share/g/f} for shared ones). */
    public record RouteEntry(String nodeId, String topicFilter) {
    }

    /**
     * Where a message goes: the nodes that get it for their non-shared subscriptions, the shared
     * groups each other node serves, and the shared groups served elsewhere than here.
     */
    public record Decision(Set<String> nonSharedNodes, Map<String, List<String>> sharedByNode, Set<String> sharedElsewhere) {

        /** Every node the message is sent to. */
        public Set<String> targetNodes() {
            Set<String> nodes = new LinkedHashSet<>(nonSharedNodes);
            nodes.addAll(sharedByNode.keySet());
            return nodes;
        }
    }

    private final TopicTree<RouteEntry> tree = new TopicTree<>();
    private final Map<String, Set<String>> byNode = new ConcurrentHashMap<>();
    /*
     * One String instance per node id: the tree tells owners apart by identity, and every record of
     * the routes topic brings a new String. Without it a node's tombstone removed nothing from the
     * tree: a shared group kept a member that had left, and got every other message sent to it.
     */
    private final Map<String, String> nodeIds = new ConcurrentHashMap<>();

    public void add(String nodeId, String topicFilter) {
        String node = canonical(nodeId);
        String[] parts = split(topicFilter);
        tree.add(parts[1], parts[0], node, new RouteEntry(node, topicFilter));
        byNode.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet()).add(topicFilter);
    }

    public void remove(String nodeId, String topicFilter) {
        String[] parts = split(topicFilter);
        tree.remove(parts[1], parts[0], canonical(nodeId));
        Set<String> filters = byNode.get(nodeId);
        if (filters != null) {
            filters.remove(topicFilter);
        }
    }

    /** Whether {@code nodeId} subscribes to {@code topicFilter}; for tests and diagnostics. */
    public boolean contains(String nodeId, String topicFilter) {
        Set<String> filters = byNode.get(nodeId);
        return filters != null && filters.contains(topicFilter);
    }

    /** The nodes that subscribe to {@code topicFilter}. */
    public Set<String> nodesWith(String topicFilter) {
        Set<String> nodes = new HashSet<>();
        byNode.forEach((node, filters) -> {
            if (filters.contains(topicFilter)) {
                nodes.add(node);
            }
        });
        return nodes;
    }

    /** The filters of {@code nodeId}. */
    public Set<String> filtersOf(String nodeId) {
        Set<String> filters = byNode.get(nodeId);
        return filters == null ? Set.of() : Set.copyOf(filters);
    }

    /**
     * Decides where a message on {@code topic} accepted by {@code self} goes. Each matching shared
     * group is served by one node, round-robin over the nodes with members that are {@code self}
     * or {@code alive}.
     */
    public Decision decide(String topic, String self, Predicate<String> alive) {
        Set<String> nonShared = new LinkedHashSet<>(2);
        Map<String, List<String>> shared = new LinkedHashMap<>(0);
        Set<String> elsewhere = new HashSet<>(0);
        tree.match(topic, new TopicTree.Visitor<>() {
            @Override
            public void subscription(RouteEntry entry) {
                if (!entry.nodeId().equals(self)) {
                    nonShared.add(entry.nodeId());
                }
            }

            @Override
            public void sharedGroup(TopicTree.SharedGroup<RouteEntry> group) {
                RouteEntry picked = group.pick(e -> e.nodeId().equals(self) || alive.test(e.nodeId()));
                if (picked != null && !picked.nodeId().equals(self)) {
                    shared.computeIfAbsent(picked.nodeId(), n -> new ArrayList<>(1)).add(picked.topicFilter());
                    elsewhere.add(picked.topicFilter());
                }
            }
        });
        return new Decision(nonShared, shared, elsewhere);
    }

    private String canonical(String nodeId) {
        String known = nodeIds.putIfAbsent(nodeId, nodeId);
        return known == null ? nodeId : known;
    }

    /** {share group or null, filter} of a topic filter as the client sent it. */
    static String[] split(String topicFilter) {
        if (topicFilter.startsWith(SHARE_PREFIX)) {
            int slash = topicFilter.indexOf('/', SHARE_PREFIX.length());
            if (slash > SHARE_PREFIX.length()) {
                return new String[] {topicFilter.substring(SHARE_PREFIX.length(), slash), topicFilter.substring(slash + 1)};
            }
        }
        return new String[] {null, topicFilter};
    }
}
