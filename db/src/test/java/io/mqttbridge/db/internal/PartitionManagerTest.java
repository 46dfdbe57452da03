package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mqttbridge.db.DatabaseConfig;
import io.mqttbridge.db.MessagePartition;
import io.mqttbridge.db.PartitionManager;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PartitionManagerTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final Instant NOON = Instant.parse("2030-06-15T12:00:00Z");

    @BeforeEach
    void dropAllPartitions() {
        for (MessagePartition p : manager(NOON, 7).partitions()) {
            db.jdbi().useHandle(h -> h.execute("DROP TABLE " + p.name()));
        }
    }

    private static PartitionManager manager(Instant now, int retentionDays) {
        return manager(now, retentionDays, 1);
    }

    private static PartitionManager manager(Instant now, int retentionDays, int intervalDays) {
        DatabaseConfig config = new DatabaseConfig().setRetentionDays(retentionDays).setPrecreatePartitions(2)
                .setPartitionIntervalDays(intervalDays);
        return new PostgresPartitionManager(db.jdbi(), config, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void maintainCreatesTodaysAndTheNextPartitionsAlignedOnUtcDays() {
        PartitionManager.MaintenanceResult result = manager(NOON, 7).maintain();

        assertThat(result.created()).containsExactly("messages_p20300615", "messages_p20300616", "messages_p20300617");
        assertThat(manager(NOON, 7).partitions()).first().isEqualTo(new MessagePartition("messages_p20300615",
                Instant.parse("2030-06-15T00:00:00Z"), Instant.parse("2030-06-16T00:00:00Z")));
        assertThat(manager(NOON, 7).maintain().created()).isEmpty();
    }

    @Test
    void partitionsOlderThanTheRetentionAreDroppedWholeWithTheirRows() {
        manager(NOON, 7).maintain();
        insertAt(Instant.parse("2030-06-15T08:00:00Z"));
        insertAt(Instant.parse("2030-06-16T08:00:00Z"));
        Instant eightDaysLater = NOON.plus(Duration.ofDays(8));

        PartitionManager.MaintenanceResult result = manager(eightDaysLater, 7).maintain();

        // The 15th ends at the 16th 00:00, before the cutoff (the 16th 12:00); the 16th still holds younger rows.
        assertThat(result.dropped()).containsExactly("messages_p20300615");
        long rows = db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM messages").mapTo(Long.class).one());
        assertThat(rows).isEqualTo(1);
    }

    @Test
    void zeroRetentionKeepsEverything() {
        manager(NOON, 0).maintain();
        assertThat(manager(NOON.plus(Duration.ofDays(1000)), 0).maintain().dropped()).isEmpty();
        assertThat(manager(NOON, 0).retentionCutoff()).isNull();
    }

    @Test
    void ensureCreatesAPartitionOnDemandButNotForRowsAlreadyPastRetention() {
        PartitionManager manager = manager(NOON, 7);
        assertThat(manager.ensurePartitionFor(Instant.parse("2031-01-01T05:00:00Z"))).isTrue();
        assertThat(manager.ensurePartitionFor(NOON.minus(Duration.ofDays(3)))).isTrue();
        assertThat(manager.ensurePartitionFor(NOON.minus(Duration.ofDays(30)))).isFalse();
        assertThat(manager.partitions()).extracting(MessagePartition::name)
                .containsExactly("messages_p20300612", "messages_p20310101");
    }

    @Test
    void changedIntervalThatWouldOverlapAnExistingPartitionFailsClearly() {
        manager(NOON, 7, 1).ensurePartitionFor(NOON);
        PartitionManager weekly = manager(NOON, 7, 7);
        // Some day of the week around NOON lies in a weekly range that contains NOON's daily partition.
        assertThatThrownBy(() -> {
            for (int day = -6; day <= 6; day++) {
                weekly.ensurePartitionFor(NOON.plus(Duration.ofDays(day)));
            }
        })
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("partitionIntervalDays");
    }

    @Test
    void aLongReadOfMessagesHoldsUpNeitherMaintenanceNorTheWritesBehindIt() throws Exception {
        manager(NOON, 7).maintain();
        Instant fiveDaysLater = NOON.plus(Duration.ofDays(5));
        try (Handle reader = db.jdbi().open()) {
            reader.begin();
            // An export or an ad hoc analysis: its transaction holds a share lock on messages until it ends.
            reader.createQuery("SELECT count(*) FROM messages").mapTo(Long.class).one();

            CompletableFuture<PartitionManager.MaintenanceResult> maintenance =
                    CompletableFuture.supplyAsync(() -> manager(fiveDaysLater, 7).maintain());
            await().atMost(Duration.ofSeconds(5)).until(PartitionManagerTest::aPartitionDdlWaitsForItsLock);
            long writeStart = System.nanoTime();
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> insertAt(NOON));

            // Before: the DDL waited for the reader, and the write queued behind the DDL.
            write.get(PostgresPartitionManager.LOCK_WAIT.toSeconds() + 3, TimeUnit.SECONDS);
            long writeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - writeStart);
            assertThat(maintenance.get(5, TimeUnit.SECONDS).created()).as("postponed, not waited for").isEmpty();
            assertThat(writeMillis).isLessThan(PostgresPartitionManager.LOCK_WAIT.toMillis() + 2_000);
            reader.rollback();
        }
        assertThat(manager(fiveDaysLater, 7).maintain().created()).as("made once the table is free")
                .contains("messages_p20300620", "messages_p20300622");
    }

    private static boolean aPartitionDdlWaitsForItsLock() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                + " WHERE c.relname = 'messages' AND l.mode = 'AccessExclusiveLock' AND NOT l.granted")
                .mapTo(Long.class).one()) > 0;
    }

    private static void insertAt(Instant at) {
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO messages (received_at, mqtt_topic, qos, retain, payload, "
                        + "kafka_topic, kafka_partition, kafka_offset, topic_tokens) VALUES (:at, 't', 0, false, '\\x00', 'k', 0, 1, "
                        + "topic_level_tokens('t'))")
                .bind("at", at.atOffset(ZoneOffset.UTC)).execute());
    }
}
