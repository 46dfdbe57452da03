package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.Heartbeat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which nodes are alive, from the nodes topic: this node's heartbeats out, every node's in. A node
 * whose last heartbeat is within {@code nodeTimeoutMs} is alive. Also keeps, per node, up to which
 * inbox offsets another node already gave the records for shared groups to surviving members
 * (written by {@link #markSharedRecovered}, keyed {@code <node> NUL shared-recovered}), so that the
 * node does not deliver them again when it restarts. Thread-safe: records are applied on the
 * control reader's thread, queries come from any thread.
 */
public final class NodeLiveness {

    private static final Logger LOG = LoggerFactory.getLogger(NodeLiveness.class);
    private static final String SHARED_RECOVERED = "\0shared-recovered";

    private final String nodeId;
    private final String instanceId = UUID.randomUUID().toString();
    private final long startedAtMillis = System.currentTimeMillis();
    private final ClusterConfig config;
    private final RecordSender control;
    private final Map<String, Heartbeat> heartbeats = new ConcurrentHashMap<>();
    // Node -> the instance that sent its last heartbeat (kept after a clean leave's tombstone).
    private final Map<String, String> lastInstances = new ConcurrentHashMap<>();
    private final Set<String> handledDeadInstances = ConcurrentHashMap.newKeySet();
    private final Map<String, Map<Integer, Long>> sharedRecovered = new ConcurrentHashMap<>();
    private volatile boolean caughtUp;
    private volatile Heartbeat foreignOwnHeartbeat;
    private volatile boolean foreignOwnHeartbeatLive;

    public NodeLiveness(String nodeId, ClusterConfig config, RecordSender control) {
        this.nodeId = nodeId;
        this.config = config;
        this.control = control;
    }

    /** This process's instance of the node: a restarted node has a new one. */
    public String instanceId() {
        return instanceId;
    }

    public CompletableFuture<Void> sendHeartbeat() {
        Heartbeat heartbeat = new Heartbeat(instanceId, startedAtMillis, System.currentTimeMillis());
        return control.send(new ProducerRecord<>(config.nodesTopic(), nodeId.getBytes(UTF_8), heartbeat.encode()));
    }

    /** A clean leave: other nodes stop waiting for this one at once. */
    public CompletableFuture<Void> announceLeave() {
        return control.send(new ProducerRecord<>(config.nodesTopic(), nodeId.getBytes(UTF_8), null));
    }

    /** Applies one record of the nodes topic. */
    public void onRecord(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null) {
            return;
        }
        String key = new String(record.key(), UTF_8);
        if (key.endsWith(SHARED_RECOVERED)) {
            Map<Integer, Long> offsets = parseOffsets(record.value());
            if (offsets != null) {
                sharedRecovered.put(key.substring(0, key.length() - SHARED_RECOVERED.length()), offsets);
            }
            return;
        }
        Heartbeat heartbeat = Heartbeat.parse(record.value());
        if (heartbeat == null) {
            heartbeats.remove(key);
            return;
        }
        if (key.equals(nodeId) && !heartbeat.instanceId().equals(instanceId)) {
            foreignOwnHeartbeat = heartbeat;
            if (caughtUp) {
                foreignOwnHeartbeatLive = true;
                LOG.error("cluster: another node uses this node's nodeId '{}' (instance {})", nodeId,
                        heartbeat.instanceId());
            }
            return;
        }
        heartbeats.put(key, heartbeat);
        lastInstances.put(key, heartbeat.instanceId());
    }

    public void caughtUp() {
        caughtUp = true;
    }

    /**
     * Refuses to go on when a recent heartbeat under this node id comes from another live instance:
     * a live twin heartbeats again within the interval, this node's previous life before a crash
     * does not.
     *
     * @throws IllegalStateException naming {@code nodeId}
     */
    public void refuseDuplicateNodeId() throws InterruptedException {
        Heartbeat foreign = foreignOwnHeartbeat;
        if (foreign == null || System.currentTimeMillis() - foreign.sentAtMillis() > config.getNodeTimeoutMs()) {
            return;
        }
        long deadline = System.currentTimeMillis() + config.getNodeTimeoutMs();
        while (System.currentTimeMillis() < deadline) {
            if (foreignOwnHeartbeatLive) {
                throw new IllegalStateException("cluster: nodeId '" + nodeId + "' is already used by another live node"
                        + " (instance " + foreignOwnHeartbeat.instanceId() + "); give every node its own nodeId");
            }
            Thread.sleep(50);
        }
    }

    public boolean isAlive(String node) {
        Heartbeat heartbeat = heartbeats.get(node);
        return heartbeat != null && System.currentTimeMillis() - heartbeat.sentAtMillis() <= config.getNodeTimeoutMs();
    }

    /** The last heartbeat of {@code node}, or {@code null} (never seen, or left cleanly). */
    public Heartbeat lastHeartbeat(String node) {
        return heartbeats.get(node);
    }

    /** The other nodes whose last heartbeat is recent, sorted. */
    public Set<String> liveOthers() {
        Set<String> live = new TreeSet<>();
        for (String node : heartbeats.keySet()) {
            if (!node.equals(nodeId) && isAlive(node)) {
                live.add(node);
            }
        }
        return live;
    }

    /**
     * Nodes that died (or left) since this was last asked, once per instance of each. Only the
     * first live node by id acts on them, so that one survivor recovers a dead node's shared-group
     * records; the others get an empty list.
     */
    public List<String> newlyDeadNodes() {
        List<String> dead = new ArrayList<>(0);
        if (!caughtUp || liveOthers().stream().anyMatch(other -> other.compareTo(nodeId) < 0)) {
            return dead;
        }
        lastInstances.forEach((node, instance) -> {
            if (!node.equals(nodeId) && !isAlive(node) && handledDeadInstances.add(instance)) {
                dead.add(node);
            }
        });
        return dead;
    }

    /** The instance of {@code node} that sent its last heartbeat read here, or {@code null}. */
    public String lastInstance(String node) {
        return lastInstances.get(node);
    }

    /** Inbox partition -> offset below which {@code node}'s shared-group records were given to other members. */
    public Map<Integer, Long> sharedRecovered(String node) {
        return sharedRecovered.getOrDefault(node, Map.of());
    }

    /** Tells every node (the dead one when it restarts included) what was recovered of {@code node}'s inbox. */
    public CompletableFuture<Void> markSharedRecovered(String node, Map<Integer, Long> endOffsets) {
        StringBuilder value = new StringBuilder();
        endOffsets.forEach((partition, offset) -> value.append(value.length() == 0 ? "" : ";")
                .append(partition).append('=').append(offset));
        sharedRecovered.merge(node, Map.copyOf(endOffsets), (old, fresh) -> fresh);
        return control.send(new ProducerRecord<>(config.nodesTopic(), (node + SHARED_RECOVERED).getBytes(UTF_8),
                value.toString().getBytes(UTF_8)));
    }

    private static Map<Integer, Long> parseOffsets(byte[] value) {
        if (value == null) {
            return null;
        }
        Map<Integer, Long> offsets = new ConcurrentHashMap<>();
        String text = new String(value, UTF_8);
        if (text.isEmpty()) {
            return offsets;
        }
        try {
            for (String pair : text.split(";")) {
                String[] parts = pair.split("=");
                offsets.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
            }
        } catch (RuntimeException e) {
            return null;
        }
        return offsets;
    }
}
