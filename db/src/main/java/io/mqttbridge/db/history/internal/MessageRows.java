package io.mqttbridge.db.history.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message rows of a batch's Kafka records, each record mapped when the iteration reaches it, so
 * that mapping overlaps PostgreSQL's work on the rows already sent ({@link MessageCopyChunks}).
 * Records that are not messages are skipped and counted. Every row mapped is kept, for a second pass
 * ({@link #all()}).
 *
 * <p>Threading: one thread.
 */
final class MessageRows implements Iterator<MessageRow> {

    private static final Logger LOG = LoggerFactory.getLogger(MessageRows.class);

    private final List<ConsumerRecord<byte[], byte[]>> records;
    private final List<MessageRow> mapped;
    private int nextRecord;
    private int skipped;
    private MessageRow ahead;

    MessageRows(List<ConsumerRecord<byte[], byte[]>> records) {
        this.records = records;
        this.mapped = new ArrayList<>(records.size());
    }

    @Override
    public boolean hasNext() {
        while (ahead == null && nextRecord < records.size()) {
            ConsumerRecord<byte[], byte[]> record = records.get(nextRecord++);
            try {
                ahead = MqttRecordMapper.map(record);
                mapped.add(ahead);
            } catch (MqttRecordMapper.NotAMessage e) {
                skipped++;
                LOG.warn("Skipping Kafka record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                        e.getMessage());
            }
        }
        return ahead != null;
    }

    @Override
    public MessageRow next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        MessageRow row = ahead;
        ahead = null;
        return row;
    }

    /** Every row, mapping the records the iteration has not reached yet. */
    List<MessageRow> all() {
        while (hasNext()) {
            next();
        }
        return mapped;
    }

    /** Records that are not messages, among those mapped so far. */
    int skipped() {
        return skipped;
    }
}
