package io.mqttbridge.db.history.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

/**
 * The binary {@code COPY} stream of message rows, encoded as it is read: the driver reads a chunk,
 * sends it, and PostgreSQL inserts those rows while the next chunk is being encoded (and its Kafka
 * records mapped), instead of the writer encoding the whole batch before PostgreSQL starts on it.
 *
 * <p>Threading: one reader (the driver, on the writer's thread).
 */
final class MessageCopyStream extends InputStream {

    /** About as much as the driver sends per write (its copy buffer is 64 KiB). */
    static final int CHUNK_BYTES = 64 * 1024;

    private final Iterator<MessageRow> rows;
    private final CopyBuffer chunk = new CopyBuffer(CHUNK_BYTES + 4096);
    private boolean started;
    private boolean finished;
    private int position;

    MessageCopyStream(Iterator<MessageRow> rows) {
        this.rows = rows;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == chunk.size() && !fill()) {
            return -1;
        }
        int n = Math.min(length, chunk.size() - position);
        System.arraycopy(chunk.array(), position, target, offset, n);
        position += n;
        return n;
    }

    /** Encodes the next chunk of rows; false at the end of the stream. */
    private boolean fill() {
        if (finished) {
            return false;
        }
        chunk.reset();
        position = 0;
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
