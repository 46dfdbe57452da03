package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.db.SessionRecord;
import io.mqttbridge.db.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HistoryBatchWriterTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final String SESSIONS = "mqtt.session-events";
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private HistoryBatchWriter writer;

    @BeforeEach
    void clean() {
        db.truncateAll();
        writer = new HistoryBatchWriter(db.jdbi(), db.database().partitions(), SESSIONS);
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, long offset, Instant at, byte[] value,
                                                         String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return new ConsumerRecord<>(topic, 0, offset, at.toEpochMilli(), TimestampType.CREATE_TIME, 0, 0, null, value,
                h, Optional.empty());
    }

    private static ConsumerRecord<byte[], byte[]> message(long offset, Instant at) {
        return record("mqtt.t", offset, at, "v".getBytes(StandardCharsets.UTF_8), "mqtt.topic", "a/b", "mqtt.qos", "1");
    }

    private static ConsumerRecord<byte[], byte[]> event(long offset, String json) {
        return record(SESSIONS, offset, NOW, json.getBytes(StandardCharsets.UTF_8));
    }

    private static long count(String table) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    @Test
    void writingTheSameBatchTwiceStoresEachRecordOnce() {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            batch.add(message(i, NOW.plusMillis(i)));
        }
        UUID connection = UUID.randomUUID();
        batch.add(event(0, "{\"type\":\"subscribed\",\"node\":\"n\",\"timestamp\":\"" + NOW + "\",\"connectionId\":\""
                + connection + "\",\"clientId\":\"c\",\"topicFilters\":[\"x/#\",\"y\"],\"grantedQos\":[1,0]}"));

        writer.write(batch);
        HistoryBatchWriter.Result again = writer.write(batch);

        assertThat(again.messages()).isEqualTo(300);
        assertThat(count("messages")).isEqualTo(300);
        assertThat(count("subscription_events")).isEqualTo(1);
    }

    @Test
    void subscribesAndUnsubscribesInOneBatchAreAllWrittenInEitherOrder() {
        UUID connection = UUID.randomUUID();
        String common = "\"node\":\"n\",\"timestamp\":\"" + NOW + "\",\"connectionId\":\"" + connection
                + "\",\"clientId\":\"c\",\"topicFilters\":[\"x/#\"]";
        String subscribed = "{\"type\":\"subscribed\"," + common + ",\"grantedQos\":[1]}";
        String unsubscribed = "{\"type\":\"unsubscribed\"," + common + "}";

        writer.write(List.of(event(0, unsubscribed), event(1, subscribed), event(2, unsubscribed)));
        writer.write(List.of(event(3, subscribed), event(4, unsubscribed), event(5, subscribed)));

        assertThat(count("subscription_events")).isEqualTo(6);
    }

    @Test
    void recordsThatAreNotMirroredMessagesOrKnownEventsAreSkippedAndTheRestWritten() {
        HistoryBatchWriter.Result result = writer.write(List.of(
                message(0, NOW),
                record("mqtt.t", 1, NOW, new byte[0]),
                record("mqtt.t", 2, NOW, new byte[0], "mqtt.topic", "a/b", "mqtt.qos", "7"),
                record("mqtt.t", 3, NOW, new byte[0], "mqtt.topic", "a/+"),
                event(0, "not json"),
                event(1, "{\"type\":\"teleported\",\"node\":\"n\",\"timestamp\":\"" + NOW + "\"}"),
                event(2, "{\"type\":\"connected\",\"node\":\"n\",\"timestamp\":\"" + NOW + "\",\"connectionId\":\"x\"}")));

        assertThat(result.skipped()).isEqualTo(6);
        assertThat(result.messages()).isEqualTo(1);
        assertThat(count("messages")).isEqualTo(1);
    }

    @Test
    void disconnectSeenBeforeConnectGivesTheSameSessionRow() {
        UUID connection = UUID.randomUUID();
        String connected = "{\"type\":\"connected\",\"node\":\"n\",\"timestamp\":\"" + NOW + "\",\"connectionId\":\""
                + connection + "\",\"clientId\":\"c\",\"username\":\"u\",\"deviceId\":\"d\",\"protocolVersion\":4,"
                + "\"cleanStart\":false,\"keepAlive\":30,\"sessionExpiry\":4294967295,\"connectedAt\":\"" + NOW + "\"}";
        String disconnected = "{\"type\":\"disconnected\",\"node\":\"n\",\"timestamp\":\"" + NOW.plusSeconds(5)
                + "\",\"connectionId\":\"" + connection + "\",\"clientId\":\"c\",\"disconnectedAt\":\"" + NOW.plusSeconds(5)
                + "\",\"reason\":\"keep_alive_timeout\",\"reasonCode\":141,\"willPublished\":true}";

        writer.write(List.of(event(1, disconnected)));
        assertThat(db.database().sessions().find(connection).orElseThrow().connectedAt()).isNull();
        writer.write(List.of(event(0, connected)));

        SessionRecord session = db.database().sessions().find(connection).orElseThrow();
        assertThat(session.connectedAt()).isEqualTo(NOW);
        assertThat(session.disconnectedAt()).isEqualTo(NOW.plusSeconds(5));
        assertThat(session.reasonCode()).isEqualTo(141);
        assertThat(session.willPublished()).isTrue();
        assertThat(session.sessionExpirySeconds()).isEqualTo(4294967295L);
        assertThat(session.keepAliveSeconds()).isEqualTo(30);
        assertThat(session.cleanStart()).isFalse();
    }

    private static String connected(UUID connection, String node, Instant at) {
        return "{\"type\":\"connected\",\"node\":\"" + node + "\",\"timestamp\":\"" + at + "\",\"connectionId\":\""
                + connection + "\",\"clientId\":\"c-" + connection + "\",\"protocolVersion\":5,\"connectedAt\":\"" + at + "\"}";
    }

    @Test
    void aHeartbeatFromARestartedNodeClosesTheSessionsOfItsPreviousLifeOnly() {
        UUID before = UUID.randomUUID();
        UUID after = UUID.randomUUID();
        UUID otherNode = UUID.randomUUID();
        Instant restart = NOW.plusSeconds(60);
        writer.write(List.of(event(0, connected(before, "n", NOW)), event(1, connected(otherNode, "m", NOW))));

        writer.write(List.of(event(2, "{\"type\":\"heartbeat\",\"node\":\"n\",\"timestamp\":\"" + restart
                        + "\",\"startedAt\":\"" + restart + "\"}"),
                event(3, connected(after, "n", restart.plusSeconds(1)))));

        SessionRecord closed = db.database().sessions().find(before).orElseThrow();
        assertThat(closed.disconnectedAt()).isEqualTo(restart);
        assertThat(closed.disconnectReason()).isEqualTo(SessionRecord.NODE_RESTARTED);
        assertThat(db.database().sessions().find(after).orElseThrow().disconnectedAt()).isNull();
        assertThat(db.database().sessions().find(otherNode).orElseThrow().disconnectedAt()).isNull();
    }

    @Test
    void heartbeatsOnlyMoveANodesLastHeartbeatForward() {
        writer.write(List.of(event(0, "{\"type\":\"heartbeat\",\"node\":\"n\",\"timestamp\":\"" + NOW + "\"}"),
                event(1, "{\"type\":\"heartbeat\",\"node\":\"n\",\"timestamp\":\"" + NOW.plusSeconds(10) + "\"}")));
        writer.write(List.of(event(2, "{\"type\":\"heartbeat\",\"node\":\"n\",\"timestamp\":\"" + NOW.plusSeconds(5) + "\"}")));

        assertThat(db.database().sessions().nodes()).singleElement().satisfies(node -> {
            assertThat(node.startedAt()).isEqualTo(NOW);
            assertThat(node.lastHeartbeatAt()).isEqualTo(NOW.plusSeconds(10));
        });
    }

    @Test
    void rowsPastTheRetentionWithoutAPartitionAreNotWritten() {
        HistoryBatchWriter.Result result = writer.write(List.of(message(0, NOW.minus(400, ChronoUnit.DAYS)), message(1, NOW)));
        assertThat(result.expired()).isEqualTo(1);
        assertThat(count("messages")).isEqualTo(1);
    }
}
