package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.mqttbridge.db.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A large batch's messages stored over several connections at once, on a real PostgreSQL. */
class MessageCopyStreamsTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    /** Enough rows for two slices of at least {@link MessageCopyStreams#MIN_ROWS_PER_SLICE}. */
    private static final int ROWS = 2 * MessageCopyStreams.MIN_ROWS_PER_SLICE + 500;
    private static final int PUBLISHERS = 21; // odd: no publisher has only even or only odd offsets

    private MessageCopyStreams streams;

    @BeforeEach
    void clean() {
        db.truncateAll();
        db.database().partitions().ensurePartitionFor(NOW);
        streams = new MessageCopyStreams(db.jdbi(), 2, "test-writer");
    }

    @AfterEach
    void close() {
        streams.close();
        db.jdbi().useHandle(h -> h.execute("DROP TRIGGER IF EXISTS refuse_poison ON messages"));
    }

    /** Offsets in batch order; publishers take turns, and all rows of the batch have one timestamp. */
    private static List<ConsumerRecord<byte[], byte[]>> batch(int rows, String... publishers) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            String client = publishers[i % publishers.length];
            batch.add(message(i, client));
        }
        return batch;
    }

    private static ConsumerRecord<byte[], byte[]> message(long offset, String client) {
        RecordHeaders h = new RecordHeaders();
        h.add("mqtt.topic", ("t/" + client).getBytes(StandardCharsets.UTF_8));
        h.add("mqtt.qos", "1".getBytes(StandardCharsets.UTF_8));
        h.add("mqtt.client_id", client.getBytes(StandardCharsets.UTF_8));
        // A new array per record, as the consumer delivers them: slicing must go by content.
        return new ConsumerRecord<>("mqtt.t", 0, offset, NOW.toEpochMilli(), TimestampType.CREATE_TIME, 0, 0,
                client.getBytes(StandardCharsets.UTF_8), ("v" + offset).getBytes(StandardCharsets.UTF_8), h,
                Optional.empty());
    }

    private static String[] publishers(int count) {
        String[] names = new String[count];
        for (int i = 0; i < count; i++) {
            names[i] = "device-" + i;
        }
        return names;
    }

    private static long count(String sql) {
        return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void aLargeBatchIsStoredOnceInSeveralTransactionsEachPublisherInOne() {
        AtomicInteger alongside = new AtomicInteger();

        MessageCopyWriter.Outcome outcome = streams.write(batch(ROWS, publishers(PUBLISHERS)),
                h -> alongside.incrementAndGet());

        assertThat(outcome.inserted()).isEqualTo(ROWS);
        assertThat(outcome.replayPath()).isFalse();
        assertThat(alongside).hasValue(1);
        assertThat(count("SELECT count(DISTINCT kafka_offset) FROM messages")).isEqualTo(ROWS);
        assertThat(count("SELECT count(DISTINCT xmin::text) FROM messages")).isEqualTo(2);
        assertThat(count("SELECT count(DISTINCT xmin::text) FROM messages GROUP BY client_id ORDER BY 1 DESC LIMIT 1"))
                .isEqualTo(1);
    }

    @Test
    void eachPublishersRowsGetIdsInKafkaOrder() {
        streams.write(batch(ROWS, publishers(PUBLISHERS)), h -> { });

        // Read back as the history API orders rows: by received_at (all equal here), then id.
        long outOfOrder = count("""
                SELECT count(*) FROM (
                  SELECT kafka_offset < lag(kafka_offset) OVER (PARTITION BY client_id ORDER BY received_at, id) AS back
                    FROM messages) rows
                 WHERE back""");
        assertThat(outOfOrder).isZero();
    }

    @Test
    void aSliceThatFailsFailsTheBatchAndWritingItAgainStoresTheRestOnce() {
        db.jdbi().useHandle(h -> {
            h.execute("""
                    CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      IF NEW.client_id = 'poison' THEN RAISE EXCEPTION 'poison row refused'; END IF;
                      RETURN NEW;
                    END $$""");
            h.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_poison()");
        });
        String[] names = publishers(PUBLISHERS);
        names[7] = "poison";
        List<ConsumerRecord<byte[], byte[]>> batch = batch(ROWS, names);
        List<List<ConsumerRecord<byte[], byte[]>>> slices = streams.slice(batch);
        long poisonSliceRows = slices.stream().filter(s -> s.stream().anyMatch(r -> key(r).equals("poison")))
                .mapToLong(List::size).sum();

        assertThatThrownBy(() -> streams.write(batch, h -> { })).hasMessageContaining("poison row refused");
        assertThat(count("SELECT count(*) FROM messages")).isEqualTo(ROWS - poisonSliceRows).isPositive();

        db.jdbi().useHandle(h -> h.execute("DROP TRIGGER refuse_poison ON messages"));
        MessageCopyWriter.Outcome again = streams.write(batch, h -> { });

        assertThat(again.inserted()).isEqualTo(poisonSliceRows);
        assertThat(again.replayPath()).isTrue();
        assertThat(count("SELECT count(*) FROM messages")).isEqualTo(ROWS);
        assertThat(count("SELECT count(DISTINCT kafka_offset) FROM messages")).isEqualTo(ROWS);
    }

    @Test
    void smallBatchesAndKeylessRecordsStayInTheFirstSlice() {
        assertThat(streams.slice(batch(ROWS / 3, publishers(PUBLISHERS)))).hasSize(1);

        List<ConsumerRecord<byte[], byte[]>> keyless = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            ConsumerRecord<byte[], byte[]> keyed = message(i, "device-" + (i % PUBLISHERS));
            keyless.add(new ConsumerRecord<>(keyed.topic(), 0, i, keyed.timestamp(), TimestampType.CREATE_TIME, 0, 0,
                    null, keyed.value(), keyed.headers(), Optional.empty()));
        }
        List<List<ConsumerRecord<byte[], byte[]>>> slices = streams.slice(keyless);
        assertThat(slices.get(0)).hasSize(ROWS);
        assertThat(slices.stream().skip(1)).allMatch(List::isEmpty);
    }

    @Test
    void slicesKeepEachKeysRecordsTogetherAndInOrder() {
        List<List<ConsumerRecord<byte[], byte[]>>> slices = streams.slice(batch(ROWS, publishers(PUBLISHERS)));

        assertThat(slices).hasSize(2).allMatch(s -> !s.isEmpty());
        Map<String, Integer> sliceOfKey = new HashMap<>();
        for (int i = 0; i < slices.size(); i++) {
            long previous = -1;
            for (ConsumerRecord<byte[], byte[]> record : slices.get(i)) {
                assertThat(sliceOfKey.putIfAbsent(key(record), i)).isIn(null, i);
                assertThat(record.offset()).isGreaterThan(previous);
                previous = record.offset();
            }
        }
        assertThat(sliceOfKey).hasSize(PUBLISHERS);
    }

    @Test
    void aPoolWithOneConnectionSlowsTheBatchDownButDoesNotStallIt() {
        // A pool of its own (Database.open's migration alone needs two connections).
        HikariConfig oneConnection = new HikariConfig();
        oneConnection.setJdbcUrl(db.config().getJdbcUrl());
        oneConnection.setUsername(db.config().getUser());
        oneConnection.setPassword(db.config().getPassword());
        oneConnection.setMaximumPoolSize(1);
        oneConnection.setConnectionTimeout(10_000);
        List<ConsumerRecord<byte[], byte[]>> batch = batch(4 * MessageCopyStreams.MIN_ROWS_PER_SLICE,
                publishers(PUBLISHERS));
        long transactions;
        try (HikariDataSource small = new HikariDataSource(oneConnection);
             MessageCopyStreams four = new MessageCopyStreams(Jdbi.create(small), 4, "small-pool")) {
            transactions = four.slice(batch).stream().filter(s -> !s.isEmpty()).count();
            MessageCopyWriter.Outcome outcome = four.write(batch, h -> { });

            assertThat(outcome.inserted()).isEqualTo(batch.size());
        }
        assertThat(transactions).isGreaterThan(2);
        assertThat(count("SELECT count(DISTINCT xmin::text) FROM messages")).isEqualTo(transactions);
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }
}
