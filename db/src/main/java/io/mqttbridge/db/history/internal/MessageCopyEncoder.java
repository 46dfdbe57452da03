package io.mqttbridge.db.history.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Encodes message rows in PostgreSQL's binary {@code COPY} format, in the column order of
 * {@link #COLUMNS}: no text parsing on the server, and no per-row statement or parameter overhead.
 *
 * <p>Types: {@code timestamptz} as microseconds since 2000-01-01 UTC (int8), {@code text} as UTF-8
 * (the driver's client encoding), {@code smallint}, {@code boolean}, {@code bytea} raw,
 * {@code integer}, {@code bigint}, {@code jsonb} as its version byte 1 and the JSON text,
 * {@code text[]} in the array format (dimensions, flags, element type, bounds, elements).
 * Stateless; safe for concurrent use.
 */
final class MessageCopyEncoder {

    static final String COLUMNS = "received_at, mqtt_topic, client_id, username, node_id, qos, retain, payload, "
            + "content_type, user_properties, kafka_topic, kafka_partition, kafka_offset, topic_tokens";
    private static final int FIELDS = 14;
    private static final int TEXT_OID = 25;
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

    private MessageCopyEncoder() {
    }

    /** The stream's header: signature, flags, header extension. */
    static void writeHeader(CopyBuffer out) {
        out.write(SIGNATURE);
        out.writeInt(0); // flags: no OIDs
        out.writeInt(0); // header extension length
    }

    /** One tuple. */
    static void writeRow(CopyBuffer out, MessageRow row) {
        out.writeShort(FIELDS);
        writeTimestamp(out, row.receivedAt());
        byte[] topic = row.topic().getBytes(StandardCharsets.UTF_8);
        out.writeInt(topic.length);
        out.write(topic);
        writeText(out, row.clientId());
        writeText(out, row.username());
        writeText(out, row.nodeId());
        out.writeInt(2);
        out.writeShort(row.qos());
        out.writeInt(1);
        out.writeByte(row.retain() ? 1 : 0);
        out.writeInt(row.payload().length);
        out.write(row.payload());
        writeText(out, row.contentType());
        writeJsonb(out, row.userPropertiesJson());
        writeText(out, row.kafkaTopic());
        out.writeInt(4);
        out.writeInt(row.kafkaPartition());
        out.writeInt(8);
        out.writeLong(row.kafkaOffset());
        writeTopicTokens(out, topic);
    }

    /** The stream's end. */
    static void writeTrailer(CopyBuffer out) {
        out.writeShort(-1);
    }

    static long postgresMicros(Instant instant) {
        return (instant.getEpochSecond() - POSTGRES_EPOCH_SECONDS) * 1_000_000L + instant.getNano() / 1_000;
    }

    private static void writeTimestamp(CopyBuffer out, Instant instant) {
        out.writeInt(8);
        out.writeLong(postgresMicros(instant));
    }

    private static void writeJsonb(CopyBuffer out, String json) {
        if (json == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length + 1);
        out.writeByte(1);
        out.write(utf8);
    }

    /**
     * The topic's {@link TopicTokens} as a one-dimensional {@code text[]}, written straight from the
     * topic's UTF-8 bytes (level number, ':', the level's bytes) instead of building a String per
     * level and encoding it: '/' (0x2F) never occurs inside a multi-byte UTF-8 sequence, so the bytes
     * between two slashes are exactly the level's encoding.
     */
    static void writeTopicTokens(CopyBuffer out, byte[] topic) {
        int levels = 1;
        for (byte b : topic) {
            if (b == '/') {
                levels++;
            }
        }
        // Per element: length word, level number, ':'; the level bytes add up to the topic minus its slashes.
        int length = 20 + topic.length - (levels - 1);
        for (int level = 0; level < levels; level++) {
            length += 4 + levelPrefix(level).length;
        }
        out.writeInt(length);
        out.writeInt(1); // dimensions
        out.writeInt(0); // no nulls
        out.writeInt(TEXT_OID);
        out.writeInt(levels);
        out.writeInt(1); // lower bound
        int start = 0;
        for (int level = 0; level < levels; level++) {
            int end = start;
            while (end < topic.length && topic[end] != '/') {
                end++;
            }
            byte[] prefix = levelPrefix(level);
            out.writeInt(prefix.length + end - start);
            out.write(prefix);
            out.write(topic, start, end - start);
            start = end + 1;
        }
    }

    private static final byte[][] LEVEL_PREFIXES = new byte[64][];

    static {
        for (int level = 0; level < LEVEL_PREFIXES.length; level++) {
            LEVEL_PREFIXES[level] = (level + ":").getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** "n:" in ASCII. */
    private static byte[] levelPrefix(int level) {
        return level < LEVEL_PREFIXES.length ? LEVEL_PREFIXES[level] : (level + ":").getBytes(StandardCharsets.US_ASCII);
    }

    private static void writeText(CopyBuffer out, String text) {
        if (text == null) {
            out.writeInt(-1);
            return;
        }
        out.writeText(text);
    }
}
