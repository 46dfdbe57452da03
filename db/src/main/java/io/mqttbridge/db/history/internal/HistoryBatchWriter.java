package io.mqttbridge.db.history.internal;

import io.mqttbridge.db.SessionRecord;

import io.mqttbridge.db.PartitionManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one batch of Kafka records to PostgreSQL: mirrored messages into {@code messages}, session
 * events into {@code sessions}, {@code subscription_events} and {@code broker_nodes}. A batch is one
 * transaction, unless its messages are many and it may use several copy streams
 * ({@link MessageCopyStreams}): then each slice of them is a transaction of its own, the session
 * events in the first. {@link #write} returns only once every one of them has ended.
 *
 * <p>Every statement is idempotent, so writing a batch again (a replay after a crash between the
 * commit of the transaction and the commit of the Kafka offsets) changes nothing: messages and
 * subscription events are keyed by their Kafka position (messages through {@link MessageCopyWriter},
 * subscription events with {@code ON CONFLICT DO NOTHING}); session
 * rows are one upsert per batch in which a connected event sets only the connect columns and a
 * disconnected event only the disconnect columns, so their order does not matter either.
 *
 * <p>Threading: one instance per consumer thread.
 */
public final class HistoryBatchWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HistoryBatchWriter.class);

    private static final String INSERT_SUBSCRIPTION = """
            INSERT INTO subscription_events (connection_id, client_id, node_id, kind, topic_filters, granted_qos,
                                             occurred_at, kafka_topic, kafka_partition, kafka_offset)
            VALUES (:connectionId, :clientId, :node, :kind, :topicFilters, CAST(:grantedQos AS smallint[]),
                    :occurredAt, :kafkaTopic, :kafkaPartition, :kafkaOffset)
            ON CONFLICT DO NOTHING
            """;
    private static final String UPSERT_NODE = """
            INSERT INTO broker_nodes (node_id, started_at, last_heartbeat_at) VALUES (?, ?, ?)
            ON CONFLICT (node_id) DO UPDATE SET
                started_at = LEAST(broker_nodes.started_at, EXCLUDED.started_at),
                last_heartbeat_at = GREATEST(broker_nodes.last_heartbeat_at, EXCLUDED.last_heartbeat_at)
            """;

    // A node that restarted cannot have kept the connections of its previous life open.
    private static final String CLOSE_SESSIONS_OF_PREVIOUS_LIFE = """
            UPDATE sessions SET disconnected_at = :startedAt, disconnect_reason = :reason
             WHERE node_id = :node AND disconnected_at IS NULL AND connected_at < :startedAt
            """;

    /**
     * What a batch contained; {@code replayed} when some of its messages were already stored and the
     * batch took the deduplicating path.
     */
    public record Result(int messages, int sessionEvents, int skipped, int expired, boolean replayed) {
    }

    private final PartitionManager partitions;
    private final String sessionEventsTopic;
    private final MessageCopyStreams messageCopy;

    /** A writer that stores every batch in one transaction. */
    public HistoryBatchWriter(Jdbi jdbi, PartitionManager partitions, String sessionEventsTopic) {
        this(jdbi, partitions, sessionEventsTopic, 1, "history-writer");
    }

    /**
     * @param copyStreams how many transactions a large batch's messages may be stored in at once
     *                    ({@link MessageCopyStreams})
     * @param threadName prefix of the threads of the extra streams
     */
    public HistoryBatchWriter(Jdbi jdbi, PartitionManager partitions, String sessionEventsTopic, int copyStreams,
            String threadName) {
        this.partitions = partitions;
        this.sessionEventsTopic = sessionEventsTopic;
        this.messageCopy = new MessageCopyStreams(jdbi, copyStreams, threadName);
    }

    /**
     * Writes the batch and commits. On an exception the batch must be written again before its
     * offsets are committed: some of its slices may have committed, and writing it again stores the
     * rest, each row once.
     *
     * @throws RuntimeException from JDBC when PostgreSQL is unreachable or refuses the batch
     */
    public Result write(List<ConsumerRecord<byte[], byte[]>> records) {
        List<ConsumerRecord<byte[], byte[]>> messages = new ArrayList<>(records.size());
        List<SessionEvent> events = new ArrayList<>();
        int skippedEvents = 0;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (!record.topic().equals(sessionEventsTopic)) {
                messages.add(record); // mapped while the COPY streams (MessageRows)
                continue;
            }
            try {
                events.add(SessionEventParser.parse(record));
            } catch (MqttRecordMapper.NotAMessage e) {
                skippedEvents++;
                LOG.warn("Skipping Kafka record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                        e.getMessage());
            }
        }
        int expired = dropExpired(messages);
        if (messages.isEmpty() && events.isEmpty()) {
            return new Result(0, 0, skippedEvents, expired, false);
        }
        MessageCopyWriter.Outcome outcome = messageCopy.write(messages, h -> writeSessionEvents(h, events));
        int skippedMessages = outcome.skipped();
        return new Result(messages.size() - skippedMessages, events.size(), skippedEvents + skippedMessages, expired,
                outcome.replayPath());
    }

    /** Stops the threads of the extra copy streams. */
    @Override
    public void close() {
        messageCopy.close();
    }

    /**
     * Makes sure partitions exist for the batch (before its {@code COPY}: a partition created while a
     * {@code COPY} into the table is open would wait for it); removes records past the retention that
     * have none. The day is the record's timestamp, which becomes {@code received_at}; a record without
     * one is left for the mapper to skip.
     */
    private int dropExpired(List<ConsumerRecord<byte[], byte[]>> messages) {
        Map<Long, Boolean> acceptedDays = new HashMap<>();
        // A batch's records are nearly always of one day: the map (a boxed key per look-up) only on a new day.
        long lastDay = Long.MIN_VALUE;
        boolean lastAccepted = true;
        int kept = 0;
        for (int i = 0; i < messages.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = messages.get(i);
            if (record.timestamp() >= 0) {
                long day = Math.floorDiv(record.timestamp(), 86_400_000L);
                if (day != lastDay) {
                    lastAccepted = acceptedDays.computeIfAbsent(day,
                            d -> partitions.ensurePartitionFor(Instant.ofEpochMilli(record.timestamp())));
                    lastDay = day;
                }
                if (!lastAccepted) {
                    continue;
                }
            }
            messages.set(kept++, record);
        }
        int dropped = messages.size() - kept;
        messages.subList(kept, messages.size()).clear();
        return dropped;
    }

    private static void writeSessionEvents(Handle h, List<SessionEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        // One row per key and statement: a multi-row upsert must not touch the same row twice.
        Map<UUID, SessionEvent.Connected> connected = new LinkedHashMap<>();
        Map<UUID, SessionEvent.Disconnected> disconnected = new LinkedHashMap<>();
        Map<String, Instant[]> nodes = new LinkedHashMap<>();
        Map<String, Instant> nodeStarts = new LinkedHashMap<>();
        List<SessionEvent.Subscription> subscriptions = new ArrayList<>();
        for (SessionEvent event : events) {
            if (event instanceof SessionEvent.Heartbeat beat && beat.startedAt() != null) {
                nodeStarts.merge(beat.node(), beat.startedAt(), (a, b) -> a.isAfter(b) ? a : b);
            }
            nodes.merge(event.node(), new Instant[] {event.timestamp(), event.timestamp()}, (a, b) -> new Instant[] {
                    a[0].isBefore(b[0]) ? a[0] : b[0], a[1].isAfter(b[1]) ? a[1] : b[1]});
            if (event instanceof SessionEvent.Connected c) {
                connected.put(c.connectionId(), c);
            } else if (event instanceof SessionEvent.Disconnected d) {
                disconnected.put(d.connectionId(), d);
            } else if (event instanceof SessionEvent.Subscription s) {
                subscriptions.add(s);
            }
        }
        upsertNodes(h, nodes);
        SessionRows.upsert(h, connected, disconnected);
        nodeStarts.forEach((node, startedAt) -> h.createUpdate(CLOSE_SESSIONS_OF_PREVIOUS_LIFE)
                .bind("node", node)
                .bind("startedAt", utc(startedAt))
                .bind("reason", SessionRecord.NODE_RESTARTED)
                .execute());
        if (!subscriptions.isEmpty()) {
            PreparedBatch batch = h.prepareBatch(INSERT_SUBSCRIPTION);
            for (SessionEvent.Subscription s : subscriptions) {
                batch.bind("connectionId", s.connectionId())
                        .bind("clientId", s.clientId())
                        .bind("node", s.node())
                        .bind("kind", s.subscribed() ? "subscribed" : "unsubscribed")
                        .bind("topicFilters", s.topicFilters().toArray(new String[0]))
                        // Typed: a batch whose first row is an unsubscribe (no QoS) bound an untyped null, and
                        // a subscribe after it could not be bound; the writer then retried that batch for ever.
                        .bindByType("grantedQos", s.grantedQos() == null ? null
                                : s.grantedQos().toArray(new Integer[0]), Integer[].class)
                        .bind("occurredAt", utc(s.timestamp()))
                        .bind("kafkaTopic", s.kafkaTopic())
                        .bind("kafkaPartition", s.kafkaPartition())
                        .bind("kafkaOffset", s.kafkaOffset())
                        .add();
            }
            batch.execute();
        }
    }

    /** On the driver, as the session rows: one or two nodes per batch did not need Jdbi's per-statement work. */
    private static void upsertNodes(Handle h, Map<String, Instant[]> nodes) {
        try (PreparedStatement statement = h.getConnection().prepareStatement(UPSERT_NODE)) {
            for (Map.Entry<String, Instant[]> node : nodes.entrySet()) {
                statement.setString(1, node.getKey());
                statement.setObject(2, utc(node.getValue()[0]));
                statement.setObject(3, utc(node.getValue()[1]));
                statement.addBatch();
            }
            statement.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("writing " + nodes.size() + " broker nodes failed: " + e.getMessage(), e);
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
