package io.mqttbridge.kafka.downlink.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.kafka.downlink.DeadLetters;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Dead letters as records of one Kafka topic: the original key, value and headers, plus the
 * {@link DeadLetters} headers. Durable writes (acks=all, idempotent). {@code producer.send} can block
 * (metadata of a new topic), so it runs on a thread of its own, never on the caller's.
 */
public final class KafkaDeadLetters implements DeadLetters {

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "kafka-downlink-dead-letters");
        thread.setDaemon(true);
        return thread;
    });

    public KafkaDeadLetters(Producer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    public static KafkaDeadLetters create(String bootstrapServers, String topic, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaDeadLetters(new KafkaProducer<>(p), topic);
    }

    @Override
    public CompletableFuture<Void> send(ConsumerRecord<byte[], byte[]> record, String mqttTopic, String reason) {
        CompletableFuture<Void> kept = new CompletableFuture<>();
        try {
            sender.execute(() -> {
                try {
                    producer.send(toDeadLetter(record, mqttTopic, reason), (metadata, error) -> {
                        if (error == null) {
                            kept.complete(null);
                        } else {
                            kept.completeExceptionally(error);
                        }
                    });
                } catch (RuntimeException e) {
                    kept.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            kept.completeExceptionally(e);
        }
        return kept;
    }

    private ProducerRecord<byte[], byte[]> toDeadLetter(ConsumerRecord<byte[], byte[]> record, String mqttTopic,
            String reason) {
        ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(topic, null, record.key(), record.value());
        for (Header header : record.headers()) {
            letter.headers().add(header);
        }
        letter.headers().add(REASON_HEADER, reason.getBytes(UTF_8));
        letter.headers().add(SOURCE_TOPIC_HEADER, record.topic().getBytes(UTF_8));
        letter.headers().add(SOURCE_PARTITION_HEADER, Integer.toString(record.partition()).getBytes(UTF_8));
        letter.headers().add(SOURCE_OFFSET_HEADER, Long.toString(record.offset()).getBytes(UTF_8));
        if (mqttTopic != null) {
            letter.headers().add(MQTT_TOPIC_HEADER, mqttTopic.getBytes(UTF_8));
        }
        return letter;
    }

    @Override
    public void close() {
        sender.shutdown();
        producer.close(Duration.ofSeconds(10));
    }
}
