package io.mqttbridge.kafka.downlink;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Where the downlink puts a record it cannot deliver, so that its offset is committed only once the
 * record is kept somewhere (never silently dropped).
 *
 * <p>Threading: {@link #send} may be called from any thread and never blocks; the future completes
 * once the record is durably kept (or fails, and the downlink retries the record).
 */
public interface DeadLetters extends AutoCloseable {

    /** Header with the reason, a UTF-8 string: one of the {@code REASON_} constants. */
    String REASON_HEADER = "dead_letter.reason";
    /** Headers naming where the record came from: topic (UTF-8), partition and offset (decimal UTF-8). */
    String SOURCE_TOPIC_HEADER = "dead_letter.source_topic";
    String SOURCE_PARTITION_HEADER = "dead_letter.source_partition";
    String SOURCE_OFFSET_HEADER = "dead_letter.source_offset";
    /** The MQTT topic the record was published to, when there was one. */
    String MQTT_TOPIC_HEADER = "dead_letter.mqtt_topic";

    /** The broker had no session (connected or persistent) subscribed to the record's MQTT topic. */
    String REASON_NO_MATCHING_SESSION = "no_matching_session";
    /** The record named no usable MQTT topic (header missing, template not applicable or illegal). */
    String REASON_NO_MQTT_TOPIC = "no_mqtt_topic";
    /** The broker refused the record's MQTT topic for good (in {@code $SYS}, past its topic limits). */
    String REASON_REFUSED_BY_BROKER = "refused_by_broker";

    CompletableFuture<Void> send(ConsumerRecord<byte[], byte[]> record, String mqttTopic, String reason);

    /** Flushes and closes; blocks. */
    @Override
    void close();
}
