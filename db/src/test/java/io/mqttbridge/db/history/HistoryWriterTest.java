package io.mqttbridge.db.history;

import static io.mqttbridge.db.testing.MirroredRecords.connected;
import static io.mqttbridge.db.testing.MirroredRecords.disconnected;
import static io.mqttbridge.db.testing.MirroredRecords.heartbeat;
import static io.mqttbridge.db.testing.MirroredRecords.message;
import static io.mqttbridge.db.testing.MirroredRecords.sessionEvent;
import static io.mqttbridge.db.testing.MirroredRecords.subscribed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.db.MessageQuery;
import io.mqttbridge.db.SessionRecord;
import io.mqttbridge.db.StoredMessage;
import io.mqttbridge.db.TimelineEvent;
import io.mqttbridge.db.TimelineQuery;
import io.mqttbridge.db.testing.TestDatabase;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.testing.kafka.TestKafka;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HistoryWriterTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static KafkaProducer<byte[], byte[]> producer;

    private HistoryWriter writer;

    @BeforeAll
    static void kafka() {
        producer = TestKafka.newProducer();
    }

    @AfterEach
    void stopWriter() {
        if (writer != null) {
            writer.stop();
        }
    }

    private static String unique(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private HistoryWriterConfig config(String messageTopic, String sessionTopic) {
        return new HistoryWriterConfig()
                .setBootstrapServers(TestKafka.bootstrapServers())
                .setTopics(List.of(messageTopic))
                .setTopicPattern("")
                .setSessionEventsTopic(sessionTopic)
                .setGroupId(unique("group"))
                .setBatchSize(200)
                .setPollTimeoutMillis(100)
                .setInitialBackoffMillis(50)
                .setMaxBackoffMillis(500);
    }

    private HistoryWriter writer(HistoryWriterConfig config, MetricRegistry metrics, Clock clock) {
        return new HistoryWriter(config, db.jdbi(), db.database().partitions(), metrics, clock);
    }

    private static long rows(String kafkaTopic) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM messages WHERE kafka_topic = :t")
                .bind("t", kafkaTopic).mapTo(Long.class).one());
    }

    private static long distinctOffsets(String kafkaTopic) {
        return db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT count(DISTINCT (kafka_partition, kafka_offset)) FROM messages WHERE kafka_topic = :t")
                .bind("t", kafkaTopic).mapTo(Long.class).one());
    }

    private static void send(String kafkaTopic, int from, int count, Instant base) throws Exception {
        for (int i = from; i < from + count; i++) {
            producer.send(message(kafkaTopic, "plant/line" + (i % 3) + "/temp", "client-" + (i % 5), i % 3, false,
                    ("payload-" + i).getBytes(StandardCharsets.UTF_8), base.plusMillis(i)));
        }
        producer.flush();
    }

    @Test
    void mirroredMessageIsStoredWithEveryHeaderMapped() throws Exception {
        String topic = unique("mqtt.msgs");
        TestKafka.createTopic(topic, 2);
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ProducerRecord<byte[], byte[]> record = message(topic, "plant/boiler/temp", "boiler-1", 2, true,
                new byte[] {0, 1, 2, (byte) 255}, at);
        record.headers().add("mqtt.content_type", "application/octet-stream".getBytes(StandardCharsets.UTF_8));
        record.headers().add("mqtt.user.unit", "C".getBytes(StandardCharsets.UTF_8));
        record.headers().add("mqtt.user.unit", "F".getBytes(StandardCharsets.UTF_8));
        producer.send(record).get();
        writer = writer(config(topic, unique("mqtt.sessions")), new MetricRegistry(), Clock.systemUTC()).start();

        await().atMost(Duration.ofSeconds(30)).until(() -> rows(topic) == 1);

        StoredMessage stored = db.database().messages().find(MessageQuery.all().topicFilter("plant/boiler/temp"))
                .items().get(0);
        assertThat(stored.receivedAt()).isEqualTo(at);
        assertThat(stored.clientId()).isEqualTo("boiler-1");
        assertThat(stored.username()).isEqualTo("boiler-1");
        assertThat(stored.nodeId()).isEqualTo("node-a");
        assertThat(stored.qos()).isEqualTo(2);
        assertThat(stored.retain()).isTrue();
        assertThat(stored.payload()).containsExactly(0, 1, 2, 255);
        assertThat(stored.contentType()).isEqualTo("application/octet-stream");
        assertThat(stored.userProperties()).containsExactly(new UserProperty("unit", "C"), new UserProperty("unit", "F"));
        assertThat(stored.kafkaTopic()).isEqualTo(topic);
        assertThat(stored.kafkaOffset()).isZero();
    }

    @Test
    void sessionEventsBecomeSessionRowsSubscriptionsAndNodes() throws Exception {
        String sessions = unique("mqtt.sessions");
        TestKafka.createTopic(sessions, 1);
        UUID connection = UUID.randomUUID();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        producer.send(sessionEvent(sessions, "c1", connected("node-x", connection, "c1", "dev-1", t0)));
        producer.send(sessionEvent(sessions, "c1", subscribed("node-x", connection, "c1", t0.plusSeconds(1), "cmd/#")));
        producer.send(sessionEvent(sessions, "c1", disconnected("node-x", connection, "c1", t0.plusSeconds(2), "client_disconnect")));
        producer.send(sessionEvent(sessions, "node-x", heartbeat("node-x", t0.plusSeconds(3))));
        producer.flush();
        writer = writer(config(unique("mqtt.unused"), sessions), new MetricRegistry(), Clock.systemUTC()).start();

        await().atMost(Duration.ofSeconds(30)).until(() -> db.database().sessions().find(connection)
                .map(s -> !s.isConnected()).orElse(false));

        SessionRecord session = db.database().sessions().find(connection).orElseThrow();
        assertThat(session.deviceId()).isEqualTo("dev-1");
        assertThat(session.connectedAt()).isEqualTo(t0);
        assertThat(session.disconnectedAt()).isEqualTo(t0.plusSeconds(2));
        assertThat(session.disconnectReason()).isEqualTo("client_disconnect");
        assertThat(session.protocolVersion()).isEqualTo(5);
        assertThat(session.remoteAddress()).isEqualTo("127.0.0.1:50000");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(db.database().sessions().nodes())
                .anySatisfy(n -> {
                    assertThat(n.nodeId()).isEqualTo("node-x");
                    assertThat(n.lastHeartbeatAt()).isEqualTo(t0.plusSeconds(3));
                }));
        assertThat(db.database().sessions().deviceTimeline(TimelineQuery.oldestFirst("dev-1", 10)).items())
                .extracting(TimelineEvent::type)
                .containsExactly(TimelineEvent.Type.CONNECTED, TimelineEvent.Type.SUBSCRIBED, TimelineEvent.Type.DISCONNECTED);
    }

    @Test
    void aRecordThatCannotBeWrittenIsLeftOutAndTheRestOfTheHistoryGoesOn() throws Exception {
        String messages = unique("mqtt.msgs");
        String sessions = unique("mqtt.sessions");
        TestKafka.createTopic(messages, 1);
        TestKafka.createTopic(sessions, 1);
        UUID connection = UUID.randomUUID();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(messages, 0, 20, t0);
        producer.send(sessionEvent(sessions, "c1", connected("node-x", connection, "c1", "dev-9", t0)));
        // A row PostgreSQL refuses however often it is tried (a constraint this test adds stands for any).
        producer.send(sessionEvent(sessions, "c1", subscribed("node-x", connection, "c1", t0.plusSeconds(1),
                "refused/#")));
        producer.send(sessionEvent(sessions, "c1", subscribed("node-x", connection, "c1", t0.plusSeconds(2), "ok/#")));
        producer.flush();
        db.jdbi().useHandle(h -> h.execute("ALTER TABLE subscription_events ADD CONSTRAINT test_refused"
                + " CHECK (NOT ('refused/#' = ANY (topic_filters)))"));
        try {
            MetricRegistry metrics = new MetricRegistry();
            writer = writer(config(messages, sessions), metrics, Clock.systemUTC()).start();

            await().atMost(Duration.ofSeconds(30)).until(() -> rows(messages) == 20
                    && db.database().sessions().deviceTimeline(TimelineQuery.oldestFirst("dev-9", 10)).items()
                            .size() == 2);
            send(messages, 20, 10, t0.plusSeconds(3));
            await().atMost(Duration.ofSeconds(30)).until(() -> rows(messages) == 30);

            assertThat(db.database().sessions().deviceTimeline(TimelineQuery.oldestFirst("dev-9", 10)).items())
                    .extracting(TimelineEvent::type)
                    .containsExactly(TimelineEvent.Type.CONNECTED, TimelineEvent.Type.SUBSCRIBED);
            assertThat(metrics.getCounters().entrySet()).anySatisfy(counter -> {
                assertThat(counter.getKey()).endsWith("skipped-records");
                assertThat(counter.getValue().getCount()).isEqualTo(1);
            });
        } finally {
            db.jdbi().useHandle(h -> h.execute("ALTER TABLE subscription_events DROP CONSTRAINT test_refused"));
        }
    }

    /** Runs a writer whose consumer threads all stop after their first batch's rows are committed. */
    private void crashBeforeTheFirstOffsetCommit(HistoryWriterConfig config) {
        MetricRegistry crashedMetrics = new MetricRegistry();
        HistoryWriter crashing = writer(config, crashedMetrics, Clock.systemUTC());
        crashing.beforeOffsetCommit = () -> {
            throw new IllegalStateException("simulated crash between the database commit and the offset commit");
        };
        crashing.start();
        // Every consumer thread crashes after its first batch; with several, more than one may get there.
        await().atMost(Duration.ofSeconds(30)).until(() -> crashedMetrics.meter("history-writer.batches").getCount() >= 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> !crashing.isRunning());
        crashing.stop();
    }

    @Test
    void crashAfterDatabaseCommitBeforeOffsetCommitReplaysWithoutDuplicatesOrGaps() throws Exception {
        String topic = unique("mqtt.crash");
        TestKafka.createTopic(topic, 3);
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(topic, 0, 600, base);
        HistoryWriterConfig config = config(topic, unique("mqtt.sessions"));
        crashBeforeTheFirstOffsetCommit(config);
        long writtenBeforeCrash = rows(topic);
        assertThat(writtenBeforeCrash).isPositive();

        send(topic, 600, 400, base);
        MetricRegistry metrics = new MetricRegistry();
        writer = writer(config, metrics, Clock.systemUTC()).start();

        await().atMost(Duration.ofSeconds(60)).until(() -> rows(topic) == 1000);
        // The replayed batch went through the writer again, and produced no second copy. (The meter is
        // marked just after a batch's transaction commits, so the last batch may be counted a moment
        // after its rows are visible.)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(metrics.meter("history-writer.rows-written").getCount()).isGreaterThanOrEqualTo(1000));
        assertThat(distinctOffsets(topic)).isEqualTo(1000);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                (Long) metrics.getGauges().get("history-writer.lag.total").getValue() == 0L);
    }

    @Test
    void aBacklogOnOnePartitionIsWrittenOverSeveralConnectionsAndReplayedAfterACrashExactlyOnce() throws Exception {
        String topic = unique("mqtt.backlog");
        TestKafka.createTopic(topic, 1);
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(topic, 0, 12_000, base);
        HistoryWriterConfig config = config(topic, unique("mqtt.sessions")).setBatchSize(10_000).setWriterThreads(1);
        assertThat(config.getCopyStreams()).isEqualTo(2);
        crashBeforeTheFirstOffsetCommit(config);
        // The first batch went in as two transactions (one per slice of the publishers), both committed.
        long firstBatchTransactions = db.jdbi().withHandle(h -> h.createQuery(
                "SELECT count(DISTINCT xmin::text) FROM messages WHERE kafka_topic = :t").bind("t", topic)
                .mapTo(Long.class).one());
        assertThat(firstBatchTransactions).isEqualTo(2);

        MetricRegistry metrics = new MetricRegistry();
        writer = writer(config, metrics, Clock.systemUTC()).start();

        await().atMost(Duration.ofSeconds(60)).until(() -> rows(topic) == 12_000);
        assertThat(distinctOffsets(topic)).isEqualTo(12_000);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(metrics.counter("history-writer.replayed-batches").getCount()).isPositive());
    }

    @Test
    void severalWriterThreadsShareThePartitionsAndStoreEveryRecordOnce() throws Exception {
        String topic = unique("mqtt.threads");
        TestKafka.createTopic(topic, 4);
        // Every partition led before the first send: the shared idempotent producer copes badly with a
        // NOT_LEADER_OR_FOLLOWER on a partition that is still being created on a loaded machine.
        await().atMost(Duration.ofSeconds(30)).until(() -> producer.partitionsFor(topic).size() == 4
                && producer.partitionsFor(topic).stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(topic, 0, 3000, base);
        HistoryWriterConfig config = config(topic, unique("mqtt.sessions")).setWriterThreads(3);
        MetricRegistry metrics = new MetricRegistry();
        writer = writer(config, metrics, Clock.systemUTC()).start();

        await().atMost(Duration.ofSeconds(60)).until(() -> rows(topic) == 3000);
        assertThat(distinctOffsets(topic)).isEqualTo(3000);
        // Three consumers of the group, each with partitions of its own (4 over 3: 2, 1, 1).
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestKafka.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(config.getGroupId()))
                        .describedGroups().get(config.getGroupId()).get();
                assertThat(group.members()).hasSize(3)
                        .allSatisfy(m -> assertThat(m.assignment().topicPartitions()).isNotEmpty());
                assertThat(group.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum())
                        .isGreaterThanOrEqualTo(4);
            });
        }
        send(topic, 3000, 1000, base);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows(topic) == 4000);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                (Long) metrics.getGauges().get("history-writer.lag.total").getValue() == 0L);
        assertThat(distinctOffsets(topic)).isEqualTo(4000);
        assertThat(metrics.counter("history-writer.replayed-batches").getCount()).isZero();
    }

    @Test
    void aBatchOverlappingStoredRowsTakesTheDeduplicatingPathAndStoresOnlyTheMissingRows() throws Exception {
        String topic = unique("mqtt.replay");
        TestKafka.createTopic(topic, 1);
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(topic, 0, 300, base);
        HistoryWriterConfig first = config(topic, unique("mqtt.sessions"));
        MetricRegistry firstMetrics = new MetricRegistry();
        writer = writer(first, firstMetrics, Clock.systemUTC()).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(topic) == 300);
        writer.stop();

        // A second group reads the same records from the start: every batch meets rows already stored.
        send(topic, 300, 200, base);
        MetricRegistry metrics = new MetricRegistry();
        writer = writer(config(topic, first.getSessionEventsTopic()).setBatchSize(1000), metrics, Clock.systemUTC())
                .start();

        await().atMost(Duration.ofSeconds(30)).until(() -> metrics.meter("history-writer.rows-written").getCount() >= 500);
        assertThat(rows(topic)).isEqualTo(500);
        assertThat(distinctOffsets(topic)).isEqualTo(500);
        assertThat(metrics.counter("history-writer.replayed-batches").getCount()).isPositive();
        assertThat(firstMetrics.counter("history-writer.replayed-batches").getCount()).isZero();
    }

    @Test
    void sessionsOfANodeWithoutRecentHeartbeatAreClosedAsNodeLost() throws Exception {
        String sessions = unique("mqtt.sessions");
        TestKafka.createTopic(sessions, 1);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        UUID onDeadNode = UUID.randomUUID();
        UUID onLiveNode = UUID.randomUUID();
        UUID closedEarlier = UUID.randomUUID();
        producer.send(sessionEvent(sessions, "a", connected("dead-node", onDeadNode, "a", "dev-a", now.minusSeconds(600))));
        producer.send(sessionEvent(sessions, "c", connected("dead-node", closedEarlier, "c", "dev-c", now.minusSeconds(700))));
        producer.send(sessionEvent(sessions, "c", disconnected("dead-node", closedEarlier, "c", now.minusSeconds(650), "connection_lost")));
        producer.send(sessionEvent(sessions, "dead-node", heartbeat("dead-node", now.minusSeconds(500))));
        producer.send(sessionEvent(sessions, "b", connected("live-node", onLiveNode, "b", "dev-b", now.minusSeconds(600))));
        producer.send(sessionEvent(sessions, "live-node", heartbeat("live-node", now.minusSeconds(5))));
        producer.flush();
        HistoryWriterConfig config = config(unique("mqtt.unused"), sessions).setNodeTimeoutSeconds(60);
        writer = writer(config, new MetricRegistry(), Clock.systemUTC()).start();

        await().atMost(Duration.ofSeconds(30)).until(() -> db.database().sessions().find(onDeadNode)
                .map(s -> !s.isConnected()).orElse(false));

        SessionRecord lost = db.database().sessions().find(onDeadNode).orElseThrow();
        assertThat(lost.disconnectReason()).isEqualTo(SessionRecord.NODE_LOST);
        assertThat(lost.disconnectedAt()).isEqualTo(now.minusSeconds(500));
        assertThat(db.database().sessions().find(onLiveNode).orElseThrow().isConnected()).isTrue();
        assertThat(db.database().sessions().find(closedEarlier).orElseThrow().disconnectReason()).isEqualTo("connection_lost");
    }

    @Test
    void nodesSilentOnlyBecauseNoHeartbeatArrivesFromAnyoneKeepTheirSessions() throws Exception {
        // As during a Kafka outage: no node's heartbeat has arrived for a while, the writer's own node's
        // included; only a node silent for the timeout before the newest heartbeat is dead. The nodes of
        // the other tests here would be live ones: none is left.
        db.jdbi().useHandle(h -> h.execute("DELETE FROM broker_nodes"));
        String sessions = unique("mqtt.sessions");
        TestKafka.createTopic(sessions, 1);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        UUID onQuietNode = UUID.randomUUID();
        UUID onLongDeadNode = UUID.randomUUID();
        producer.send(sessionEvent(sessions, "q",
                connected("quiet-node", onQuietNode, "q", "dev-q", now.minusSeconds(900))));
        producer.send(sessionEvent(sessions, "quiet-node", heartbeat("quiet-node", now.minusSeconds(500))));
        producer.send(sessionEvent(sessions, "quiet-2", heartbeat("quiet-2", now.minusSeconds(480))));
        producer.send(sessionEvent(sessions, "d",
                connected("long-dead", onLongDeadNode, "d", "dev-d", now.minusSeconds(3000))));
        producer.send(sessionEvent(sessions, "long-dead", heartbeat("long-dead", now.minusSeconds(2000))));
        producer.flush();
        HistoryWriterConfig config = config(unique("mqtt.unused"), sessions).setNodeTimeoutSeconds(60);
        writer = writer(config, new MetricRegistry(), Clock.systemUTC()).start();

        await().atMost(Duration.ofSeconds(30)).until(() -> db.database().sessions().find(onLongDeadNode)
                .map(s -> !s.isConnected()).orElse(false));

        assertThat(db.database().sessions().find(onQuietNode).orElseThrow().isConnected()).isTrue();
    }

    @Test
    void aSteadyTrickleOfRecordsIsWrittenInAFewBatchesNotOnePerRecord() throws Exception {
        String topic = unique("mqtt.msgs");
        TestKafka.createTopic(topic, 1);
        MetricRegistry metrics = new MetricRegistry();
        writer = writer(config(topic, unique("mqtt.sessions")), metrics, Clock.systemUTC()).start();
        send(topic, 0, 1, Instant.now());
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(topic) == 1);
        long batchesBefore = metrics.meter("history-writer.batches").getCount();

        // 40 records, 10 ms apart: without a minimum fetch size they came back in a fetch (and a COPY) of
        // one or two records each; each fetch now waits up to 100 ms.
        for (int i = 1; i <= 40; i++) {
            send(topic, i, 1, Instant.now());
            Thread.sleep(10);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> rows(topic) == 41);

        assertThat(metrics.meter("history-writer.batches").getCount() - batchesBefore).isBetween(1L, 10L);
    }

    @Test
    void fetchesWaitForAMebibyteOrATenthOfASecondUnlessTheOperatorSetsOtherwise() {
        HistoryWriterConfig defaults = config(unique("mqtt.msgs"), unique("mqtt.sessions"));
        try (HistoryWriter unstarted = writer(defaults, new MetricRegistry(), Clock.systemUTC())) {
            assertThat(unstarted.consumerProperties(true))
                    .containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1048576")
                    .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        }
        HistoryWriterConfig chosen = config(unique("mqtt.msgs"), unique("mqtt.sessions"))
                .setConsumerProperties(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20"));
        try (HistoryWriter unstarted = writer(chosen, new MetricRegistry(), Clock.systemUTC())) {
            assertThat(unstarted.consumerProperties(true))
                    .containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1048576")
                    .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        }
    }
}
