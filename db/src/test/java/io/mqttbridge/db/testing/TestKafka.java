package io.mqttbridge.db.testing;

import io.mqttbridge.kafka.testing.KafkaTestClients;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The test JVM's one Kafka, as the db tests use it: kafka-connector's shared test Kafka (embedded,
 * or a container with {@code -Dtest.infra=containers}).
 */
public final class TestKafka {

    private static final TestKafka SHARED = new TestKafka();

    private TestKafka() {
    }

    public static TestKafka shared() {
        return SHARED;
    }

    public String bootstrapServers() {
        return io.mqttbridge.kafka.testing.TestKafka.bootstrapServers();
    }

    /** Creates the topic if absent and waits until every partition has a leader. */
    public void createTopic(String name, int partitions) {
        KafkaTestClients.createTopic(bootstrapServers(), name, partitions);
    }

    /** An idempotent, acks=all producer of byte arrays. */
    public KafkaProducer<byte[], byte[]> newProducer() {
        return KafkaTestClients.producer(bootstrapServers());
    }
}
