package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Which survivor recovers one dead instance of a node: each candidate writes a claim to the nodes
 * topic (key {@code <dead node> NUL recovery}, value {@code <round>,<claimer node>,<claimer
 * instance>}) and waits to read it back. All claims for one dead node share a key, hence a
 * partition, so every node reads them in one order: the first claim of a round wins, and the
 * others lose, however briefly the candidates disagreed about who is alive. Compaction keeps only
 * the last record of a key, which is never a later candidate's own, so a node that starts later and
 * claims again loses too.
 *
 * <p>The first round of a dead instance is named by that instance. The winner writes {@code
 * done:<dead instance>} once the recovery is complete. A winner that dies before that leaves the
 * instance {@link #orphanedBy orphaned}: the survivor that notices the winner's death claims a new
 * round, {@code <dead instance>/<dead winner's instance>}, so that a double failure still ends in
 * one recovery. (Nodes of versions without rounds read such a claim as one for an unknown instance,
 * and ignore the {@code done} record, which has no comma.)
 *
 * <p>Thread-safe: records are applied on the control reader's thread, claims come from the recovery
 * thread.
 */
public final class RecoveryClaims {

    private static final String SUFFIX = "\0recovery";
    private static final String DONE = "done:";
    private static final char ROUND_SEPARATOR = '/';

    /** A dead instance whose recovery's winner died before finishing it, and the round to claim next. */
    public record Orphan(String deadNode, String deadInstance, String nextRound) {
    }

    private final String claimer;
    private final ClusterConfig config;
    private final RecordSender control;
    // Round -> the first claimer read ("<node>,<instance>").
    private final Map<String, String> winners = new ConcurrentHashMap<>();
    // Round -> the dead node it recovers.
    private final Map<String, String> deadNodes = new ConcurrentHashMap<>();
    // Dead instances whose recovery is complete.
    private final Set<String> finished = ConcurrentHashMap.newKeySet();
    // Round -> this node's claim, waiting to be read back.
    private final Map<String, CompletableFuture<Boolean>> waiting = new ConcurrentHashMap<>();

    public RecoveryClaims(String nodeId, String instanceId, ClusterConfig config, RecordSender control) {
        this.claimer = nodeId + "," + instanceId;
        this.config = config;
        this.control = control;
    }

    /**
     * Claims {@code round} of the recovery of {@code deadNode} (the dead instance for the first
     * round, {@link Orphan#nextRound} after a winner died). Completes with whether this node won,
     * once its claim was read back (the caller bounds the wait); fails when Kafka refused the claim.
     */
    public CompletableFuture<Boolean> claim(String deadNode, String round) {
        CompletableFuture<Boolean> won = new CompletableFuture<>();
        CompletableFuture<Boolean> earlier = waiting.putIfAbsent(round, won);
        if (earlier != null) {
            return earlier;
        }
        send(deadNode, round + "," + claimer).whenComplete((ignored, error) -> {
            if (error != null && waiting.remove(round, won)) {
                won.completeExceptionally(error);
            }
        });
        return won;
    }

    /** Tells every node that the recovery of {@code deadInstance} of {@code deadNode} is complete. */
    public CompletableFuture<Void> finish(String deadNode, String deadInstance) {
        finished.add(deadInstance);
        return send(deadNode, DONE + deadInstance);
    }

    /**
     * The dead instances whose recovery {@code winnerNode}'s instance {@code winnerInstance} won and
     * did not finish: to be claimed again now that this winner is dead too.
     */
    public List<Orphan> orphanedBy(String winnerNode, String winnerInstance) {
        List<Orphan> orphans = new ArrayList<>(0);
        String winner = winnerNode + "," + winnerInstance;
        winners.forEach((round, by) -> {
            String deadInstance = deadInstanceOf(round);
            if (by.equals(winner) && !finished.contains(deadInstance)) {
                orphans.add(new Orphan(deadNodes.get(round), deadInstance,
                        deadInstance + ROUND_SEPARATOR + winnerInstance));
            }
        });
        return orphans;
    }

    /** Applies a record of the nodes topic; returns false when it is not a recovery record. */
    public boolean onRecord(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), UTF_8);
        if (key == null || !key.endsWith(SUFFIX)) {
            return false;
        }
        if (record.value() == null) {
            return true;
        }
        String value = new String(record.value(), UTF_8);
        if (value.startsWith(DONE)) {
            finished.add(value.substring(DONE.length()));
            return true;
        }
        int comma = value.indexOf(',');
        if (comma <= 0) {
            return true;
        }
        String round = value.substring(0, comma);
        String by = value.substring(comma + 1);
        deadNodes.putIfAbsent(round, key.substring(0, key.length() - SUFFIX.length()));
        String winner = winners.computeIfAbsent(round, r -> by);
        if (by.equals(claimer)) {
            CompletableFuture<Boolean> won = waiting.remove(round);
            if (won != null) {
                won.complete(winner.equals(claimer));
            }
        }
        return true;
    }

    private CompletableFuture<Void> send(String deadNode, String value) {
        return control.send(new ProducerRecord<>(config.nodesTopic(), (deadNode + SUFFIX).getBytes(UTF_8),
                value.getBytes(UTF_8)));
    }

    private static String deadInstanceOf(String round) {
        int separator = round.indexOf(ROUND_SEPARATOR);
        return separator < 0 ? round : round.substring(0, separator);
    }
}
