package io.mqttbridge.kafka.mirror.internal;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/** A record on its way to Kafka and the future the broker waits on. */
public record PendingSend(ProducerRecord<byte[], byte[]> record, int size, CompletableFuture<Void> future, long startNanos) {
}
