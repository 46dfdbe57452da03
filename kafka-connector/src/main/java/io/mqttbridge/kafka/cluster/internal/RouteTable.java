package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The routes topic as this node sees it: every node's topic filters in a {@link RouteDirectory},
 * this node's own counted per filter (the first subscriber writes a record, the last one gone a
 * tombstone; every subscriber's SUBACK waits until that record is in Kafka). Thread-safe: the broker's event loops add and remove filters, the control reader's
 * thread applies other nodes' records.
 */
public final class RouteTable {

    private final String nodeId;
    private final ClusterConfig config;
    private final RecordSender control;
    private final RouteDirectory directory = new RouteDirectory();
    private final Map<String, LocalFilter> localFilters = new ConcurrentHashMap<>();
    // This node's filters in the topic from before its start: stale unless a restored session subscribes again.
    private final Set<String> staleOwnFilters = ConcurrentHashMap.newKeySet();

    public RouteTable(String nodeId, ClusterConfig config, RecordSender control) {
        this.nodeId = nodeId;
        this.config = config;
        this.control = control;
    }

    /** A filter of this node: how many sessions here subscribe to it, and its routes record. */
    private record LocalFilter(int subscribers, CompletableFuture<Void> announced) {
    }

    /** @return completes once the filter's routes record is in Kafka (or Kafka refused it); never fails */
    public CompletableFuture<Void> added(String topicFilter) {
        return localFilters.compute(topicFilter, (filter, local) -> {
            if (local == null) {
                directory.add(nodeId, filter);
                CompletableFuture<Void> announced = control.send(new ProducerRecord<>(config.routesTopic(),
                        ControlRecords.routeKey(nodeId, filter), ControlRecords.ROUTE_PRESENT)).handle((ignored, error) -> null);
                return new LocalFilter(1, announced);
            }
            return new LocalFilter(local.subscribers() + 1, local.announced());
        }).announced();
    }

    public void removed(String topicFilter) {
        localFilters.computeIfPresent(topicFilter, (filter, local) -> {
            if (local.subscribers() == 1) {
                directory.remove(nodeId, filter);
                control.send(new ProducerRecord<>(config.routesTopic(), ControlRecords.routeKey(nodeId, filter), null));
                return null;
            }
            return new LocalFilter(local.subscribers() - 1, local.announced());
        });
    }

    /** Applies one record of the routes topic; {@code caughtUp} once the start-up read is done. */
    public void onRecord(ConsumerRecord<byte[], byte[]> record, boolean caughtUp) {
        String[] parts = ControlRecords.parseRouteKey(record.key());
        if (parts == null) {
            return;
        }
        String node = parts[0];
        String filter = parts[1];
        if (node.equals(nodeId)) {
            // This node's own filters come from its sessions, not from the topic.
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

    /** Removes this node's filters from before its start that no session here subscribed to again. */
    public void removeStaleOwnFilters() {
        for (String filter : staleOwnFilters) {
            if (!localFilters.containsKey(filter)) {
                control.send(new ProducerRecord<>(config.routesTopic(), ControlRecords.routeKey(nodeId, filter), null));
            }
        }
        staleOwnFilters.clear();
    }

    public RouteDirectory.Decision decide(String topic, Predicate<String> alive) {
        return directory.decide(topic, nodeId, alive);
    }

    public boolean knows(String node, String topicFilter) {
        return directory.contains(node, topicFilter);
    }

    /** Whether a session of this node subscribes to {@code topicFilter}. */
    public boolean subscribedHere(String topicFilter) {
        return localFilters.containsKey(topicFilter);
    }

    /** The filters {@code node} subscribes to, as this node knows them. */
    public Set<String> filtersOf(String node) {
        return directory.filtersOf(node);
    }

    /** The other nodes that subscribe to {@code topicFilter} (e.g. a shared group {@code $share/g/f}). */
    public List<String> otherNodesWith(String topicFilter) {
        return directory.nodesWith(topicFilter).stream().filter(node -> !node.equals(nodeId)).sorted().toList();
    }
}
