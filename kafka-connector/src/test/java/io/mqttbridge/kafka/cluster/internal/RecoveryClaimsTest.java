package io.mqttbridge.kafka.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.kafka.mirror.ProducerSettings;
import io.mqttbridge.kafka.testing.ClusterNode;
import io.mqttbridge.testing.kafka.KafkaTestClients;
import io.mqttbridge.testing.kafka.TestKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Survivors racing to recover one dead node, on the real nodes topic of the test Kafka. */
class RecoveryClaimsTest {

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final String bootstrap = TestKafka.bootstrapServers();
    private final ClusterConfig config = ClusterNode.testConfig(KafkaTestClients.uniqueTopic("recovery-claims"));

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : closing) {
            closeable.close();
        }
    }

    /** One survivor: its claims, fed by its own reader of the nodes topic. */
    private RecoveryClaims survivor(String nodeId) {
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                new ProducerSettings().setLingerMs(0).toProperties(bootstrap, "claims-" + nodeId));
        RecordSender sender = new RecordSender("claims-send-" + nodeId, producer, false);
        RecoveryClaims claims = new RecoveryClaims(nodeId, nodeId + "-instance", config, sender);
        ControlReader reader = new ControlReader(new KafkaConsumer<>(ClusterConsumers.properties(config, bootstrap,
                nodeId, null)), List.of(config.nodesTopic()), new ControlReader.Handler() {
                    @Override
                    public void record(ConsumerRecord<byte[], byte[]> record) {
                        claims.onRecord(record);
                    }

                    @Override
                    public void caughtUp() {
                    }
                }, nodeId);
        reader.startAndCatchUp(Duration.ofSeconds(30));
        closing.add(reader);
        closing.add(() -> {
            sender.close(5_000);
            producer.close();
        });
        return claims;
    }

    @Test
    void ofTwoSurvivorsClaimingOneDeadInstanceAtOnceExactlyOneRecoversIt() throws Exception {
        KafkaTestClients.createTopic(bootstrap, config.nodesTopic(), 2);
        RecoveryClaims two = survivor("n2");
        RecoveryClaims three = survivor("n3");
        for (int round = 0; round < 20; round++) {
            String deadNode = "n1-" + round;
            CompletableFuture<Boolean> byTwo = two.claim(deadNode, "instance-" + round);
            CompletableFuture<Boolean> byThree = three.claim(deadNode, "instance-" + round);
            boolean twoWon = byTwo.get(10, TimeUnit.SECONDS);
            boolean threeWon = byThree.get(10, TimeUnit.SECONDS);
            assertThat(twoWon ^ threeWon).as("round %d: n2 %s, n3 %s", round, twoWon, threeWon).isTrue();
        }

        // A survivor that joins later and claims an instance already recovered loses too.
        RecoveryClaims four = survivor("n4");
        assertThat(four.claim("n1-0", "instance-0").get(10, TimeUnit.SECONDS)).isFalse();
        // A new instance of the dead node is a new recovery.
        assertThat(four.claim("n1-0", "instance-again").get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRecoveryWhoseWinnerDiedUnfinishedIsClaimedAgainInANewRoundThatOneSurvivorWins() throws Exception {
        KafkaTestClients.createTopic(bootstrap, config.nodesTopic(), 2);
        RecoveryClaims two = survivor("n2");
        RecoveryClaims three = survivor("n3");
        assertThat(two.claim("n1", "n1-instance").get(10, TimeUnit.SECONDS)).isTrue();
        // n2 dies before finishing: n3 (and only n3's view matters to it) finds the instance orphaned.
        RecoveryClaims.Orphan orphan = awaitOrphan(three, "n2", "n2-instance");
        assertThat(orphan).isEqualTo(new RecoveryClaims.Orphan("n1", "n1-instance", "n1-instance/n2-instance"));
        assertThat(three.claim("n1", "n1-instance").get(10, TimeUnit.SECONDS)).as("the first round stays n2's")
                .isFalse();

        RecoveryClaims four = survivor("n4");
        CompletableFuture<Boolean> byThree = three.claim(orphan.deadNode(), orphan.nextRound());
        CompletableFuture<Boolean> byFour = four.claim(orphan.deadNode(), orphan.nextRound());
        assertThat(byThree.get(10, TimeUnit.SECONDS) ^ byFour.get(10, TimeUnit.SECONDS)).isTrue();
        RecoveryClaims winner = byThree.join() ? three : four;
        String winnerInstance = byThree.join() ? "n3-instance" : "n4-instance";
        assertThat(three.orphanedBy(byThree.join() ? "n3" : "n4", winnerInstance)).hasSize(1);

        winner.finish("n1", "n1-instance").get(10, TimeUnit.SECONDS);
        RecoveryClaims five = survivor("n5");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(three.orphanedBy("n2", "n2-instance")).as("finished: nothing left to claim").isEmpty();
            assertThat(five.orphanedBy("n2", "n2-instance")).isEmpty();
        });
    }

    private static RecoveryClaims.Orphan awaitOrphan(RecoveryClaims claims, String winnerNode, String winnerInstance) {
        List<RecoveryClaims.Orphan> orphans = new ArrayList<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            orphans.clear();
            orphans.addAll(claims.orphanedBy(winnerNode, winnerInstance));
            return !orphans.isEmpty();
        });
        assertThat(orphans).hasSize(1);
        return orphans.get(0);
    }
}
