package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.kafka.cluster.ClusterConfig;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.ClaimRecord;
import io.mqttbridge.kafka.cluster.internal.ControlRecords.ClaimType;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who {@link ClaimTable} takes for a client's holder from the claims topic, as a node that only reads
 * other nodes' records sees it: the last claim, whatever releases of older claims come after it.
 */
class ClaimTableHoldersTest {

    private final ClusterConfig config = new ClusterConfig();
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    private final RecordSender sender = new RecordSender("claims-test-send", producer, false);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final ClaimTable table = new ClaimTable("n1", "n1-instance", config, sender,
            new NodeLiveness("n1", config, sender), scheduler, () -> null);
    private long offset;

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        sender.close();
    }

    private void read(String clientId, ClaimRecord record) {
        table.onRecord(new ConsumerRecord<>(config.claimsTopic(), 0, offset++, clientId.getBytes(UTF_8),
                record.encode()), true);
    }

    @Test
    void anOlderClaimsReleaseAfterANewerClaimDoesNotMakeTheOlderClaimerTheHolderAgain() {
        read("c", new ClaimRecord(ClaimType.CLAIM, "n2", "n2-1", "n2", "dev"));
        read("c", new ClaimRecord(ClaimType.CLAIM, "n3", "n3-1", "n3", "dev"));
        // The node n2 took the client from hands it over late: its release comes after n3's claim.
        read("c", new ClaimRecord(ClaimType.RELEASE, "n2", "n2-1", "n1", "dev"));

        assertThat(table.holderOf("c")).contains("n3");

        read("c", new ClaimRecord(ClaimType.RELEASE, "n3", "n3-1", "n2", "dev"));
        assertThat(table.holderOf("c")).contains("n3");
    }

    @Test
    void onlyTheHoldersOwnEndOfTheSessionSpeaksForTheHolder() {
        read("c", new ClaimRecord(ClaimType.CLAIM, "n2", "n2-1", "n2", "dev"));
        read("c", new ClaimRecord(ClaimType.RELEASE, "n3", "ended", "n3", null));
        assertThat(table.holderOf("c")).contains("n2");

        read("c", new ClaimRecord(ClaimType.RELEASE, "n2", "ended", "n2", null));
        assertThat(table.holderOf("c")).contains("n2");
    }
}
