package io.mqttbridge.db.history.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

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

    /** The whole COPY stream for the rows: header, one tuple per row, trailer. */
    static byte[] encode(List<MessageRow> rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rows.size() * 256 + 32);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeHeader(out);
            for (MessageRow row : rows) {
                writeRow(out, row);
            }
            writeTrailer(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** The stream's header: signature, flags, header extension. */
    static void writeHeader(DataOutputStream out) throws IOException {
        out.write(SIGNATURE);
        out.writeInt(0); // flags: no OIDs
        out.writeInt(0); // header extension length
    }

    /** One tuple. */
    static void writeRow(DataOutputStream out, MessageRow row) throws IOException {
        out.writeShort(FIELDS);
        writeTimestamp(out, row.receivedAt());
        writeText(out, row.topic());
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
        writeTextArray(out, TopicTokens.of(row.topic()));
    }

    /** The stream's end. */
    static void writeTrailer(DataOutputStream out) throws IOException {
        out.writeShort(-1);
    }

    static long postgresMicros(Instant instant) {
        return (instant.getEpochSecond() - POSTGRES_EPOCH_SECONDS) * 1_000_000L + instant.getNano() / 1_000;
    }

    private static void writeTimestamp(DataOutputStream out, Instant instant) throws IOException {
        out.writeInt(8);
        out.writeLong(postgresMicros(instant));
    }

    private static void writeJsonb(DataOutputStream out, String json) throws IOException {
        if (json == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length + 1);
        out.writeByte(1);
        out.write(utf8);
    }

    /** A one-dimensional {@code text[]} without nulls: header, then each element as length and UTF-8. */
    private static void writeTextArray(DataOutputStream out, List<String> elements) throws IOException {
        byte[][] utf8 = new byte[elements.size()][];
        int length = 20;
        for (int i = 0; i < utf8.length; i++) {
            utf8[i] = elements.get(i).getBytes(StandardCharsets.UTF_8);
            length += 4 + utf8[i].length;
        }
        out.writeInt(length);
        out.writeInt(1); // dimensions
        out.writeInt(0); // no nulls
        out.writeInt(TEXT_OID);
        out.writeInt(utf8.length);
        out.writeInt(1); // lower bound
        for (byte[] element : utf8) {
            out.writeInt(element.length);
            out.write(element);
        }
    }

    private static void writeText(DataOutputStream out, String text) throws IOException {
        if (text == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }
}
