package io.mqttbridge.kafka.mirror.internal;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A record on its way to Kafka and the future the broker waits on. It is also the producer's
 * completion callback for its record (one object per message instead of two), reporting to the
 * {@link SendThread.CompletionHandler} the send thread attached when it took the record.
 */
public final class PendingSend implements Callback {

    private final ProducerRecord<byte[], byte[]> record;
    private final int size;
    private final CompletableFuture<Void> future;
    private final long startNanos;
    /* Set by the send thread before the record reaches the producer; read on the producer's I/O thread after. */
    private SendThread.CompletionHandler handler;

    public PendingSend(ProducerRecord<byte[], byte[]> record, int size, CompletableFuture<Void> future, long startNanos) {
        this.record = record;
        this.size = size;
        this.future = future;
        this.startNanos = startNanos;
    }

    public ProducerRecord<byte[], byte[]> record() {
        return record;
    }

    public int size() {
        return size;
    }

    public CompletableFuture<Void> future() {
        return future;
    }

    public long startNanos() {
        return startNanos;
    }

    void handler(SendThread.CompletionHandler handler) {
        this.handler = handler;
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception failure) {
        handler.completed(this, failure);
    }
}
