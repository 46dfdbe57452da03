package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Which survivor recovers one dead instance of a node: each candidate writes a claim to the nodes
 * topic (key {@code <dead node> NUL recovery}, value {@code <dead instance>,<claimer node>,<claimer
 * instance>}) and waits to read it back. All claims for one dead node share a key, hence a
 * partition, so every node reads them in one order: the first claim for an instance wins, and the
 * others lose, however briefly the candidates disagreed about who is alive. Compaction keeps only
 * the last claim of a key, which is never a later candidate's own, so a node that starts later and
 * claims again loses too. Thread-safe: records are applied on the control reader's thread, claims
 * come from the recovery thread.
 */
public final class RecoveryClaims {

    private static final String SUFFIX = "\0recovery";

    private final String claimer;
    private final ClusterConfig config;
    private final RecordSender control;
    // Dead instance -> the first claimer read ("<node>,<instance>").
    private final Map<String, String> winners = new ConcurrentHashMap<>();
    // Dead instance -> this node's claim, waiting to be read back.
    private final Map<String, CompletableFuture<Boolean>> waiting = new ConcurrentHashMap<>();

    public RecoveryClaims(String nodeId, String instanceId, ClusterConfig config, RecordSender control) {
        this.claimer = nodeId + "," + instanceId;
        this.config = config;
        this.control = control;
    }

    /**
     * Claims the recovery of {@code deadInstance} of {@code deadNode}. Completes with whether this
     * node won, once its claim was read back (the caller bounds the wait); fails when Kafka refused
     * the claim.
     */
    public CompletableFuture<Boolean> claim(String deadNode, String deadInstance) {
        CompletableFuture<Boolean> won = new CompletableFuture<>();
        CompletableFuture<Boolean> earlier = waiting.putIfAbsent(deadInstance, won);
        if (earlier != null) {
            return earlier;
        }
        control.send(new ProducerRecord<>(config.nodesTopic(), (deadNode + SUFFIX).getBytes(UTF_8),
                (deadInstance + "," + claimer).getBytes(UTF_8))).whenComplete((ignored, error) -> {
                    if (error != null && waiting.remove(deadInstance, won)) {
                        won.completeExceptionally(error);
                    }
                });
        return won;
    }

    /** Applies a record of the nodes topic; returns false when it is not a recovery claim. */
    public boolean onRecord(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null || !new String(record.key(), UTF_8).endsWith(SUFFIX)) {
            return false;
        }
        if (record.value() == null) {
            return true;
        }
        String value = new String(record.value(), UTF_8);
        int comma = value.indexOf(',');
        if (comma <= 0) {
            return true;
        }
        String deadInstance = value.substring(0, comma);
        String by = value.substring(comma + 1);
        String winner = winners.computeIfAbsent(deadInstance, instance -> by);
        if (by.equals(claimer)) {
            CompletableFuture<Boolean> won = waiting.remove(deadInstance);
            if (won != null) {
                won.complete(winner.equals(claimer));
            }
        }
        return true;
    }
}
