package io.mqttbridge.kafka.cluster.internal;

import io.mqttbridge.kafka.mirror.internal.MirrorRecordFactory;
import io.mqttbridge.kafka.mirror.internal.PendingSend;
import io.mqttbridge.kafka.mirror.internal.SendFailures;
import io.mqttbridge.kafka.mirror.internal.SendThread;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the cluster's records through one send thread (records keep their submission order per
 * partition) and counts what Kafka acknowledged. Never blocks the caller.
 */
public final class RecordSender implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RecordSender.class);

    private final SendThread thread;
    private final boolean failAsPublishRejection;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    /**
     * @param failAsPublishRejection whether a failed send completes with the
     *     {@link io.mqttbridge.broker.spi.PublishRejectedException} a publisher is refused with
     *     (forwarded messages), or with Kafka's own error (control records)
     */
    public RecordSender(String threadName, Producer<byte[], byte[]> producer, boolean failAsPublishRejection) {
        this.failAsPublishRejection = failAsPublishRejection;
        this.thread = new SendThread(threadName, producer, send -> { }, this::completed);
    }

    /** Completes when Kafka acknowledged the record (acks=all), exceptionally when it refused it. */
    public CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        // A tombstone (routes, nodes) has no value to measure.
        int size = record.value() == null ? 0 : MirrorRecordFactory.estimateSize(record);
        thread.submit(new PendingSend(record, size, done, System.nanoTime()));
        return done;
    }

    private void completed(PendingSend send, Exception failure) {
        if (failure == null) {
            records.incrementAndGet();
            bytes.addAndGet(send.size());
            send.future().complete(null);
        } else if (failAsPublishRejection) {
            send.future().completeExceptionally(SendFailures.rejection(send.record().topic(), failure));
        } else {
            LOG.debug("cluster: record to {} failed: {}", send.record().topic(), failure.toString());
            send.future().completeExceptionally(failure);
        }
    }

    /** Records Kafka acknowledged. */
    public long records() {
        return records.get();
    }

    /** Estimated bytes of the records Kafka acknowledged (payload, key, headers, record overhead). */
    public long bytes() {
        return bytes.get();
    }

    public void close(long timeoutMillis) {
        thread.close(timeoutMillis);
    }

    @Override
    public void close() {
        close(5_000);
    }
}
