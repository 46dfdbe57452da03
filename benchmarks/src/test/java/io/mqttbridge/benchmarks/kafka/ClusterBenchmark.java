package io.mqttbridge.benchmarks.kafka;

import io.mqttbridge.broker.retained.InMemoryRetainedStore;
import io.mqttbridge.broker.session.InMemorySessionStore;
import io.mqttbridge.broker.spi.MqttReasonCode;
import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.testing.kafka.TestKafka;
import io.mqttbridge.testing.mqtt.PahoV5Collector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;

/**
 * Not a test: two cluster nodes on an embedded Kafka of their own, for docs/BENCHMARKS.md.
 *
 * <ul>
 *   <li>{@code serve <seconds>}: prints both MQTT ports, serves for that long (drive it with the load
 *       tool, {@code --port} one node, {@code --subscriber-port} the other), then prints the Kafka
 *       records and bytes each node forwarded and read.</li>
 *   <li>{@code takeover <rounds>}: a client connected to node 1 connects again on node 2; the time
 *       from the second CONNECT until the first connection receives DISCONNECT 0x8E, per round.</li>
 * </ul>
 */
public final class ClusterBenchmark {

    private ClusterBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "serve";
        int amount = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        KafkaExitGuard.install();
        Path data = TestKafka.newTemporaryDirectory("bench-cluster-kafka-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaConfig().setDataDirectory(data.toString()))) {
            ClusterConfig config = new ClusterConfig().setEnabled(true).setTopicPrefix("bench.cluster")
                    .setReplicationFactor((short) 1);
            InMemorySessionStore sessions = new InMemorySessionStore();
            InMemoryRetainedStore retained = new InMemoryRetainedStore();
            List<MirrorRule> rules = List.of(new MirrorRule("#", "bench.cluster.mirror"));
            try (ClusterNode one = ClusterNode.start(kafka.bootstrapServers(), config, "bench-1", sessions, retained, rules);
                    ClusterNode two = ClusterNode.start(kafka.bootstrapServers(), config, "bench-2", sessions, retained,
                            rules)) {
                if (mode.equals("takeover")) {
                    takeover(one, two, amount);
                } else {
                    System.out.printf("node bench-1 MQTT port %d%nnode bench-2 MQTT port %d%n", one.port(), two.port());
                    System.out.flush();
                    Thread.sleep(TimeUnit.SECONDS.toMillis(amount));
                    for (ClusterNode node : List.of(one, two)) {
                        System.out.printf("%s: forwarded records %d, forwarded bytes %d, inbox records read %d%n",
                                node.nodeId(), node.fabric().forwardedRecords(),
                                node.fabric().forwardedBytes(), node.fabric().inboxRecords());
                    }
                }
            }
        } finally {
            TestKafka.deleteRecursively(data);
        }
    }

    private static void takeover(ClusterNode one, ClusterNode two, int rounds) throws Exception {
        long[] millis = new long[rounds];
        for (int round = 0; round < rounds; round++) {
            String id = "takeover-" + round;
            CompletableFuture<Long> kicked = new CompletableFuture<>();
            MqttAsyncClient first = new MqttAsyncClient(one.serverUri(), id, new MemoryPersistence());
            first.setCallback(new OnDisconnect(kicked));
            first.connect().waitForCompletion(10_000);
            MqttAsyncClient second = new MqttAsyncClient(two.serverUri(), id, new MemoryPersistence());
            long start = System.nanoTime();
            second.connect().waitForCompletion(10_000);
            long end = kicked.get(10, TimeUnit.SECONDS);
            millis[round] = TimeUnit.NANOSECONDS.toMillis(end - start);
            second.disconnect().waitForCompletion(5_000);
            second.close();
            first.close(true);
        }
        long[] fresh = new long[rounds];
        for (int round = 0; round < rounds; round++) {
            MqttAsyncClient alone = new MqttAsyncClient(two.serverUri(), "fresh-" + round, new MemoryPersistence());
            long start = System.nanoTime();
            alone.connect().waitForCompletion(10_000);
            fresh[round] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            alone.disconnect().waitForCompletion(5_000);
            alone.close();
        }
        Arrays.sort(fresh);
        System.out.printf("connect of a client id no node holds, same client library: p50 %d ms, max %d ms%n",
                fresh[rounds / 2], fresh[rounds - 1]);
        long[] sorted = millis.clone();
        Arrays.sort(sorted);
        List<Long> all = new ArrayList<>();
        for (long m : millis) {
            all.add(m);
        }
        System.out.printf("takeover rounds %d: p50 %d ms, p90 %d ms, max %d ms; all %s%n", rounds,
                sorted[rounds / 2], sorted[Math.min(rounds - 1, rounds * 9 / 10)], sorted[rounds - 1], all);
    }

    /** Takes the time the moment the server's DISCONNECT for a takeover (0x8E) arrives. */
    private static final class OnDisconnect extends PahoV5Collector {
        private final CompletableFuture<Long> kicked;

        OnDisconnect(CompletableFuture<Long> kicked) {
            this.kicked = kicked;
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            if (response.getReturnCode() == MqttReasonCode.SESSION_TAKEN_OVER) {
                kicked.complete(System.nanoTime());
            }
            super.disconnected(response);
        }
    }
}
