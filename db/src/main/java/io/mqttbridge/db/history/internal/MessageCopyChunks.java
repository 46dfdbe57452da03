package io.mqttbridge.db.history.internal;

import java.util.Iterator;

/**
 * The binary {@code COPY} stream of message rows, encoded a chunk at a time: the writer sends a
 * chunk and PostgreSQL inserts those rows while the next chunk is being encoded (and its Kafka
 * records mapped), instead of the writer encoding the whole batch before PostgreSQL starts on it.
 * The chunks are written into the caller's buffer, which a writer keeps for all its batches.
 *
 * <p>Threading: one thread.
 */
final class MessageCopyChunks {

    /** About as much as the driver sends per write (its copy buffer is 64 KiB). */
    static final int CHUNK_BYTES = 64 * 1024;

    private final Iterator<MessageRow> rows;
    private boolean started;
    private boolean finished;

    MessageCopyChunks(Iterator<MessageRow> rows) {
        this.rows = rows;
    }

    /**
     * Encodes the next chunk of rows into {@code chunk}, replacing what it held: whole rows until it
     * holds at least {@link #CHUNK_BYTES} (so a chunk exceeds that by less than one row), the
     * stream's header first and its trailer last.
     *
     * @return false, with {@code chunk} left alone, when the stream has ended
     */
    boolean fill(CopyBuffer chunk) {
        if (finished) {
            return false;
        }
        chunk.reset();
        if (!started) {
            MessageCopyEncoder.writeHeader(chunk);
            started = true;
        }
        while (chunk.size() < CHUNK_BYTES && rows.hasNext()) {
            MessageCopyEncoder.writeRow(chunk, rows.next());
        }
        if (!rows.hasNext()) {
            MessageCopyEncoder.writeTrailer(chunk);
            finished = true;
        }
        return true;
    }
}
