package io.mqttbridge.testing.kafka;

import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import org.apache.kafka.clients.producer.KafkaProducer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The one Kafka of a test JVM, started on first use and shared by every test class (a start costs
 * about two seconds). Embedded by default; with the system property {@code test.infra=containers}
 * a Testcontainers Kafka instead, and tests are skipped (not failed) where no Docker engine runs.
 *
 * <p>Tests must not stop it; tests that need to stop Kafka start their own {@link EmbeddedKafka}.
 * Tests share it, so they use topics of their own ({@link KafkaTestClients#uniqueTopic}).
 *
 * <p>Modules that use this class need {@code testcontainers-kafka} on their test classpath only for
 * {@code test.infra=containers}; otherwise no Testcontainers class is loaded.
 */
public final class TestKafka {

    public static final String INFRA_PROPERTY = "test.infra";
    public static final String CONTAINERS = "containers";
    /** The same Kafka version as the embedded one. */
    public static final String KAFKA_IMAGE = "apache/kafka:4.4.0";

    private static String bootstrapServers;

    private TestKafka() {
    }

    /** @return the bootstrap servers of the shared Kafka, starting it if needed */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = usesContainers() ? ContainerKafka.start(KAFKA_IMAGE) : startEmbedded();
        }
        return bootstrapServers;
    }

    /** Whether tests run against a container rather than the embedded Kafka. */
    public static boolean usesContainers() {
        return CONTAINERS.equals(System.getProperty(INFRA_PROPERTY));
    }

    private static String startEmbedded() {
        KafkaExitGuard.install();
        Path dataDirectory = newTemporaryDirectory("test-kafka-");
        EmbeddedKafka kafka = EmbeddedKafka.start(new EmbeddedKafkaConfig().setDataDirectory(dataDirectory.toString()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            deleteRecursively(dataDirectory);
        }, "test-kafka-shutdown"));
        return kafka.bootstrapServers();
    }

    /** Creates the topic if absent and waits until every partition has a leader. */
    public static void createTopic(String name, int partitions) {
        KafkaTestClients.createTopic(bootstrapServers(), name, partitions);
    }

    /** An idempotent, acks=all producer of byte arrays. */
    public static KafkaProducer<byte[], byte[]> newProducer() {
        return KafkaTestClients.producer(bootstrapServers());
    }

    public static Path newTemporaryDirectory(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
