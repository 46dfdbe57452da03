package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageCopyChunksTest {

    private static final Instant AT = Instant.parse("2026-12-05T16:00:00.001Z");

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 7, 60, 200, 1_000, 5_000})
    void theChunksOfABatchAreItsWholeStreamInOrderEachAtMostOneRowPastTheChunkSize(int size) {
        List<MessageRow> rows = rows(size, new Random(size));
        CopyBuffer chunk = new CopyBuffer(16);

        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        MessageCopyChunks chunks = new MessageCopyChunks(rows.iterator());
        int count = 0;
        while (chunks.fill(chunk)) {
            assertThat(chunk.size()).isLessThan(MessageCopyChunks.CHUNK_BYTES + largestRow(rows) + 32);
            streamed.write(chunk.array(), 0, chunk.size());
            count++;
        }

        assertThat(streamed.toByteArray()).isEqualTo(wholeStream(rows));
        if (streamed.size() <= MessageCopyChunks.CHUNK_BYTES) {
            assertThat(count).as("a batch smaller than a chunk is sent in one").isEqualTo(1);
        } else {
            assertThat(count).isGreaterThan(1).isLessThanOrEqualTo(streamed.size() / MessageCopyChunks.CHUNK_BYTES + 1);
        }
        assertThat(chunks.fill(chunk)).as("an ended stream stays ended").isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 700})
    void aBufferKeptFromOneBatchToTheNextCarriesNothingOver(int size) {
        CopyBuffer kept = new CopyBuffer(16);
        List<MessageRow> first = rows(size, new Random(1));
        List<MessageRow> second = rows(size / 2 + 1, new Random(2));

        streamAll(new MessageCopyChunks(first.iterator()), kept);
        byte[] secondStream = streamAll(new MessageCopyChunks(second.iterator()), kept);

        assertThat(secondStream).isEqualTo(wholeStream(second));
    }

    private static byte[] streamAll(MessageCopyChunks chunks, CopyBuffer chunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (chunks.fill(chunk)) {
            out.write(chunk.array(), 0, chunk.size());
        }
        return out.toByteArray();
    }

    /** The reference: header, every row, trailer, in one buffer. */
    private static byte[] wholeStream(List<MessageRow> rows) {
        CopyBuffer out = new CopyBuffer(16);
        MessageCopyEncoder.writeHeader(out);
        rows.forEach(row -> MessageCopyEncoder.writeRow(out, row));
        MessageCopyEncoder.writeTrailer(out);
        return out.toByteArray();
    }

    private static int largestRow(List<MessageRow> rows) {
        int largest = 0;
        for (MessageRow row : rows) {
            CopyBuffer one = new CopyBuffer(16);
            MessageCopyEncoder.writeRow(one, row);
            largest = Math.max(largest, one.size());
        }
        return largest;
    }

    private static List<MessageRow> rows(int size, Random random) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            byte[] payload = new byte[random.nextInt(4) == 0 ? random.nextInt(30_000) : 100];
            random.nextBytes(payload);
            RecordHeaders headers = new RecordHeaders();
            headers.add("mqtt.topic", ("site/" + random.nextInt(50) + "/temp").getBytes(StandardCharsets.UTF_8));
            headers.add("mqtt.qos", "1".getBytes(StandardCharsets.UTF_8));
            headers.add("mqtt.client_id", ("client-" + i % 7).getBytes(StandardCharsets.UTF_8));
            headers.add("mqtt.node", "node-1".getBytes(StandardCharsets.UTF_8));
            records.add(new ConsumerRecord<>("mqtt.messages", 0, i, AT.toEpochMilli() + i, TimestampType.CREATE_TIME,
                    0, payload.length, null, payload, headers, Optional.empty()));
        }
        return new MessageRows(records).all();
    }
}
