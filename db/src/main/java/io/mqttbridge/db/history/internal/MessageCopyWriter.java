package io.mqttbridge.db.history.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Inserts message rows with binary {@code COPY}, exactly once per Kafka position.
 *
 * <p>The common case, rows never written before, takes the fast path: one binary {@code COPY}
 * straight into {@code messages}, encoded while it is sent ({@link MessageCopyChunks}). The unique key on the Kafka position makes that all or nothing:
 * if any row of the batch is already stored (a replay after a crash between the database commit
 * and the Kafka offset commit, or a batch a previous owner of the partition wrote), the
 * {@code COPY} fails with a unique violation, is rolled back to a savepoint, and the batch takes
 * the replay path: binary {@code COPY} into a session-local temporary staging table, then one
 * {@code INSERT ... SELECT ... ON CONFLICT DO NOTHING} that stores only the missing rows.
 *
 * <p>Must run inside the caller's transaction (the handle is not in auto-commit). The staging table
 * belongs to the connection (created on first use, emptied at every commit).
 *
 * <p>The chunk buffer is kept from batch to batch: at a steady rate the writer's batches are a few
 * hundred rows, and a fresh 64 KiB chunk plus the driver's 64 KiB read buffer per batch were about
 * a tenth of all the bytes the writer allocated.
 *
 * <p>Threading: one thread (one instance per writer thread).
 */
final class MessageCopyWriter {

    /** What one call did: rows inserted, whether it took the replay path, records that were not messages. */
    record Outcome(long inserted, boolean replayPath, int skipped) {
    }

    static final String STAGING_TABLE = "history_messages_staging";
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String COPY_INTO_MESSAGES =
            "COPY messages (" + MessageCopyEncoder.COLUMNS + ") FROM STDIN (FORMAT binary)";
    private static final String CREATE_STAGING = "CREATE TEMPORARY TABLE IF NOT EXISTS " + STAGING_TABLE + """
             (received_at timestamptz, mqtt_topic text, client_id text, username text, node_id text, qos smallint,
              retain boolean, payload bytea, content_type text, user_properties jsonb, kafka_topic text,
              kafka_partition integer, kafka_offset bigint, topic_tokens text[]) ON COMMIT DELETE ROWS
            """;
    private static final String COPY_INTO_STAGING =
            "COPY " + STAGING_TABLE + " (" + MessageCopyEncoder.COLUMNS + ") FROM STDIN (FORMAT binary)";
    private static final String INSERT_MISSING = "INSERT INTO messages (" + MessageCopyEncoder.COLUMNS + ") SELECT "
            + MessageCopyEncoder.COLUMNS + " FROM " + STAGING_TABLE + " ON CONFLICT DO NOTHING";

    /** A chunk grown past this by an outsized row is not kept for the next batch. */
    private static final int MAX_KEPT_CHUNK_BYTES = 1024 * 1024;

    private CopyBuffer chunk = newChunk();

    /**
     * Maps the records to rows while streaming them to PostgreSQL (records that are not messages are
     * skipped and counted).
     *
     * @throws IllegalStateException when PostgreSQL fails; the caller's transaction must then be rolled back
     */
    Outcome insert(Handle handle, List<ConsumerRecord<byte[], byte[]>> records) {
        if (records.isEmpty()) {
            return new Outcome(0, false, 0);
        }
        MessageRows rows = new MessageRows(records);
        Connection connection = handle.getConnection();
        try {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            Savepoint beforeCopy = connection.setSavepoint();
            try {
                long inserted = copyIn(copy, COPY_INTO_MESSAGES, new MessageCopyChunks(rows));
                connection.releaseSavepoint(beforeCopy);
                return new Outcome(inserted, false, rows.skipped());
            } catch (SQLException e) {
                if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                    throw e;
                }
                connection.rollback(beforeCopy);
            }
            List<MessageRow> all = rows.all();
            try (Statement statement = connection.createStatement()) {
                // Rows of an earlier rolled-back transaction are dead, those of a committed one deleted.
                statement.execute(CREATE_STAGING);
                copyIn(copy, COPY_INTO_STAGING, new MessageCopyChunks(all.iterator()));
                long inserted = statement.executeUpdate(INSERT_MISSING);
                return new Outcome(inserted, true, rows.skipped());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("writing " + records.size() + " records failed: " + e.getMessage(), e);
        } finally {
            if (chunk.array().length > MAX_KEPT_CHUNK_BYTES) {
                chunk = newChunk();
            }
        }
    }

    /** Sends the chunks as one {@code COPY}; cancels it when anything fails on the way. */
    private long copyIn(CopyManager copy, String sql, MessageCopyChunks chunks) throws SQLException {
        CopyIn operation = copy.copyIn(sql);
        try {
            while (chunks.fill(chunk)) {
                operation.writeToCopy(chunk.array(), 0, chunk.size());
            }
            return operation.endCopy();
        } finally {
            if (operation.isActive()) {
                operation.cancelCopy();
            }
        }
    }

    private static CopyBuffer newChunk() {
        // Room for the row that crosses the chunk size without growing, as a rule.
        return new CopyBuffer(MessageCopyChunks.CHUNK_BYTES + 4096);
    }
}
