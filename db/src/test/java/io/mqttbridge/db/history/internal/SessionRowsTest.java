package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.db.SessionRecord;
import io.mqttbridge.db.testing.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The session rows of the history writer, written with one set-based upsert per batch, against the
 * real PostgreSQL: the rows must be exactly those the former single-row upserts gave (kept here as the
 * reference, run into a copy of the table), whatever the order of the events, how they are cut into
 * batches and how often a batch is replayed.
 */
class SessionRowsTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final String SESSIONS = "mqtt.session-events";
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00.123456789Z");

    // The statements the writer used before, one row per statement execution.
    private static final String REFERENCE_CONNECTED = """
            INSERT INTO sessions_reference (connection_id, client_id, username, device_id, node_id, remote_address,
                                  protocol_version, clean_start, keep_alive, session_expiry, connected_at)
            VALUES (:connectionId, :clientId, :username, :deviceId, :node, :remoteAddress,
                    :protocolVersion, :cleanStart, :keepAlive, :sessionExpiry, :connectedAt)
            ON CONFLICT (connection_id) DO UPDATE SET
                client_id = EXCLUDED.client_id, username = EXCLUDED.username, device_id = EXCLUDED.device_id,
                node_id = EXCLUDED.node_id, remote_address = EXCLUDED.remote_address,
                protocol_version = EXCLUDED.protocol_version, clean_start = EXCLUDED.clean_start,
                keep_alive = EXCLUDED.keep_alive, session_expiry = EXCLUDED.session_expiry,
                connected_at = EXCLUDED.connected_at
            """;
    private static final String REFERENCE_DISCONNECTED = """
            INSERT INTO sessions_reference (connection_id, client_id, node_id, disconnected_at, disconnect_reason,
                                  reason_code, will_published)
            VALUES (:connectionId, :clientId, :node, :disconnectedAt, :reason, :reasonCode, :willPublished)
            ON CONFLICT (connection_id) DO UPDATE SET
                disconnected_at = EXCLUDED.disconnected_at, disconnect_reason = EXCLUDED.disconnect_reason,
                reason_code = EXCLUDED.reason_code, will_published = EXCLUDED.will_published
            """;

    private HistoryBatchWriter writer;
    private long offset;

    @BeforeEach
    void clean() {
        db.truncateAll();
        db.jdbi().useHandle(h -> {
            h.execute("CREATE TABLE IF NOT EXISTS sessions_reference (LIKE sessions INCLUDING ALL)");
            h.execute("TRUNCATE sessions_reference");
        });
        writer = new HistoryBatchWriter(db.jdbi(), db.database().partitions(), SESSIONS);
    }

    @Test
    void connectAndDisconnectInOneBatchGiveOneCompleteRow() {
        UUID connection = UUID.randomUUID();
        Instant at = T0;
        writeBoth(List.of(connected(connection, "c", "n", at, true), disconnected(connection, "c", "n", at.plusSeconds(3), true)));

        SessionRecord session = db.database().sessions().find(connection).orElseThrow();
        assertThat(session.clientId()).isEqualTo("c");
        assertThat(session.username()).isEqualTo("user");
        assertThat(session.connectedAt()).isEqualTo(at.plusNanos(211)); // 123456789 ns rounds up to 123457 us
        assertThat(session.disconnectedAt()).isEqualTo(at.plusSeconds(3).plusNanos(211));
        assertThat(session.disconnectReason()).isEqualTo("client_disconnect");
        assertThat(session.reasonCode()).isEqualTo(0);
        assertThat(session.willPublished()).isFalse();
        assertThat(session.keepAliveSeconds()).isEqualTo(60);
        assertThat(rows("sessions")).isEqualTo(rows("sessions_reference"));
    }

    @Test
    void disconnectBeforeConnectAcrossBatchesGivesTheSameRowAsInOrder() {
        UUID connection = UUID.randomUUID();
        writeBoth(List.of(disconnected(connection, "c", "n", T0.plusSeconds(9), true)));
        assertThat(db.database().sessions().find(connection).orElseThrow().connectedAt()).isNull();
        writeBoth(List.of(connected(connection, "c", "n", T0, true)));

        SessionRecord session = db.database().sessions().find(connection).orElseThrow();
        assertThat(session.connectedAt()).isNotNull();
        assertThat(session.disconnectedAt()).isNotNull();
        assertThat(session.username()).isEqualTo("user");
        assertThat(session.disconnectReason()).isEqualTo("client_disconnect");
        assertThat(rows("sessions")).isEqualTo(rows("sessions_reference"));
    }

    @Test
    void replayingBatchesInAnyOrderChangesNothing() {
        List<UUID> connections = new ArrayList<>();
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            UUID connection = UUID.randomUUID();
            connections.add(connection);
            first.add(connected(connection, "c" + i, "n", T0.plusMillis(i), i % 2 == 0));
            (i % 3 == 0 ? first : second).add(disconnected(connection, "c" + i, "n", T0.plusSeconds(1).plusMillis(i), i % 2 == 1));
        }
        writeBoth(first);
        writeBoth(second);
        List<Map<String, Object>> written = rows("sessions");

        writeBoth(first);
        assertThat(rows("sessions")).isEqualTo(written);
        writeBoth(second);
        writeBoth(first);
        assertThat(rows("sessions")).isEqualTo(written).hasSize(50).isEqualTo(rows("sessions_reference"));
        assertThat(written).allSatisfy(row -> assertThat(row.get("disconnected_at")).isNotNull())
                .allSatisfy(row -> assertThat(row.get("connected_at")).isNotNull());
    }

    @Test
    void nullFieldsAreStoredAsNullAndADisconnectWithNullsClearsOnlyItsOwnColumns() {
        UUID connection = UUID.randomUUID();
        writeBoth(List.of(connected(connection, "c", "n", T0, false)));
        SessionRecord connectedOnly = db.database().sessions().find(connection).orElseThrow();
        assertThat(connectedOnly.username()).isNull();
        assertThat(connectedOnly.deviceId()).isNull();
        assertThat(connectedOnly.keepAliveSeconds()).isNull();
        assertThat(connectedOnly.sessionExpirySeconds()).isNull();
        assertThat(connectedOnly.cleanStart()).isNull();
        assertThat(connectedOnly.disconnectedAt()).isNull();

        writeBoth(List.of(disconnected(connection, "c", "n", T0.plusSeconds(1), true)));
        writeBoth(List.of(disconnected(connection, "c", "n", T0.plusSeconds(2), false)));

        SessionRecord session = db.database().sessions().find(connection).orElseThrow();
        assertThat(session.disconnectedAt()).isNotNull();
        assertThat(session.disconnectReason()).isNull();
        assertThat(session.reasonCode()).isNull();
        assertThat(session.willPublished()).isNull();
        assertThat(session.connectedAt()).isNotNull();
        assertThat(rows("sessions")).isEqualTo(rows("sessions_reference"));
    }

    @Test
    void randomEventsCutIntoRandomBatchesGiveTheRowsOfTheFormerSingleRowUpserts() {
        Random random = new Random(16);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            UUID connection = UUID.randomUUID();
            // nanosecond timestamps, half of them on the rounding edge of a microsecond
            Instant at = T0.plusSeconds(random.nextInt(100_000)).plusNanos(random.nextBoolean()
                    ? random.nextInt(1_000_000_000) : random.nextInt(1_000_000) * 1_000L + 499 + random.nextInt(2));
            if (random.nextInt(10) > 0) {
                events.add(connected(connection, "c" + i, "n" + random.nextInt(3), at, random.nextBoolean()));
            }
            if (random.nextInt(10) > 1) {
                events.add(disconnected(connection, "c" + i, "n" + random.nextInt(3), at.plusMillis(random.nextInt(5_000)),
                        random.nextBoolean()));
            }
            if (random.nextInt(20) == 0) { // a connection that reconnected with the same id: the later event wins
                events.add(connected(connection, "c" + i + "-again", "n", at.plusSeconds(1), random.nextBoolean()));
            }
        }
        Collections.shuffle(events, random);
        int from = 0;
        while (from < events.size()) {
            int to = Math.min(events.size(), from + 1 + random.nextInt(60));
            writeBoth(events.subList(from, to));
            if (random.nextInt(4) == 0) {
                writeBoth(events.subList(from, to)); // a replay
            }
            from = to;
        }

        List<Map<String, Object>> written = rows("sessions");
        assertThat(written).hasSizeGreaterThan(250).isEqualTo(rows("sessions_reference"));
    }

    @Test
    void microsecondsAreRoundedAsTheDriverRoundsAnOffsetDateTime() {
        Instant[] instants = {T0, Instant.parse("2026-12-05T10:00:00.000000499Z"), Instant.parse("2026-12-05T10:00:00.000000500Z"),
                Instant.parse("2026-12-05T10:00:00.999999500Z"), Instant.parse("1969-12-31T23:59:59.999999999Z"),
                Instant.parse("1960-01-01T00:00:00.000000700Z")};
        for (Instant instant : instants) {
            OffsetDateTime viaDriver = db.jdbi().withHandle(h -> h.createQuery("SELECT CAST(:t AS timestamptz)")
                    .bind("t", instant.atOffset(ZoneOffset.UTC)).mapTo(OffsetDateTime.class).one());
            OffsetDateTime viaMicros = db.jdbi().withHandle(h -> h.createQuery(
                            "SELECT TIMESTAMPTZ 'epoch' + CAST(:m AS bigint) * INTERVAL '1 microsecond'")
                    .bind("m", SessionRows.micros(instant)).mapTo(OffsetDateTime.class).one());
            assertThat(viaMicros).as(instant.toString()).isEqualTo(viaDriver);
        }
    }

    /** Writes the batch through the history writer and through the former statements into the reference table. */
    private void writeBoth(List<String> jsons) {
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
        for (String json : jsons) {
            batch.add(new ConsumerRecord<>(SESSIONS, 0, offset++, T0.toEpochMilli(), TimestampType.CREATE_TIME, 0, 0, null,
                    json.getBytes(StandardCharsets.UTF_8), new RecordHeaders(), Optional.empty()));
        }
        writer.write(batch);
        Map<UUID, SessionEvent.Connected> connected = new LinkedHashMap<>();
        Map<UUID, SessionEvent.Disconnected> disconnected = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            try {
                SessionEvent event = SessionEventParser.parse(record);
                if (event instanceof SessionEvent.Connected c) {
                    connected.put(c.connectionId(), c);
                } else if (event instanceof SessionEvent.Disconnected d) {
                    disconnected.put(d.connectionId(), d);
                }
            } catch (MqttRecordMapper.NotAMessage e) {
                throw new AssertionError(e);
            }
        }
        db.jdbi().useTransaction(h -> writeReference(h, connected, disconnected));
    }

    private static void writeReference(Handle h, Map<UUID, SessionEvent.Connected> connected,
                                       Map<UUID, SessionEvent.Disconnected> disconnected) {
        if (!connected.isEmpty()) {
            PreparedBatch batch = h.prepareBatch(REFERENCE_CONNECTED);
            for (SessionEvent.Connected c : connected.values()) {
                batch.bind("connectionId", c.connectionId()).bind("clientId", c.clientId()).bind("username", c.username())
                        .bind("deviceId", c.deviceId()).bind("node", c.node()).bind("remoteAddress", c.remoteAddress())
                        .bind("protocolVersion", c.protocolVersion() == null ? null : c.protocolVersion().shortValue())
                        .bind("cleanStart", c.cleanStart()).bind("keepAlive", c.keepAlive())
                        .bind("sessionExpiry", c.sessionExpiry()).bind("connectedAt", c.connectedAt().atOffset(ZoneOffset.UTC))
                        .add();
            }
            batch.execute();
        }
        if (!disconnected.isEmpty()) {
            PreparedBatch batch = h.prepareBatch(REFERENCE_DISCONNECTED);
            for (SessionEvent.Disconnected d : disconnected.values()) {
                batch.bind("connectionId", d.connectionId()).bind("clientId", d.clientId()).bind("node", d.node())
                        .bind("disconnectedAt", d.disconnectedAt().atOffset(ZoneOffset.UTC)).bind("reason", d.reason())
                        .bind("reasonCode", d.reasonCode()).bind("willPublished", d.willPublished())
                        .add();
            }
            batch.execute();
        }
    }

    private static List<Map<String, Object>> rows(String table) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT * FROM " + table + " ORDER BY connection_id")
                .mapToMap().list());
    }

    private static String connected(UUID connection, String clientId, String node, Instant at, boolean full) {
        return "{\"type\":\"connected\",\"node\":\"" + node + "\",\"timestamp\":\"" + at + "\",\"connectionId\":\""
                + connection + "\",\"clientId\":\"" + clientId + "\""
                + (full ? ",\"username\":\"user\",\"deviceId\":\"device\",\"remoteAddress\":\"127.0.0.1:50000\","
                        + "\"protocolVersion\":5,\"cleanStart\":true,\"keepAlive\":60,\"sessionExpiry\":4294967295"
                        : ",\"username\":null,\"protocolVersion\":7")
                + ",\"connectedAt\":\"" + at + "\"}";
    }

    private static String disconnected(UUID connection, String clientId, String node, Instant at, boolean full) {
        return "{\"type\":\"disconnected\",\"node\":\"" + node + "\",\"timestamp\":\"" + at + "\",\"connectionId\":\""
                + connection + "\",\"clientId\":\"" + clientId + "\",\"disconnectedAt\":\"" + at + "\""
                + (full ? ",\"reason\":\"client_disconnect\",\"reasonCode\":0,\"willPublished\":false"
                        : ",\"reason\":null,\"reasonCode\":null") + "}";
    }
}
