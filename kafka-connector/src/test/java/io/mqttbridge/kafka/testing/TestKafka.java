package io.mqttbridge.kafka.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mqttbridge.kafka.embedded.EmbeddedKafka;
import io.mqttbridge.kafka.embedded.EmbeddedKafkaConfig;
import io.mqttbridge.kafka.embedded.KafkaExitGuard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The one Kafka of a test JVM, started on first use and shared by every test class (a start costs
 * about two seconds). Embedded by default; with the system property {@code test.infra=containers}
 * a Testcontainers Kafka instead, and tests are skipped (not failed) where no Docker engine runs.
 *
 * <p>Tests must not stop it; tests that need to stop Kafka start their own {@link EmbeddedKafka}.
 * Tests share it, so they use topics of their own ({@link KafkaTestClients#uniqueTopic}).
 */
public final class TestKafka {

    public static final String INFRA_PROPERTY = "test.infra";
    public static final String CONTAINERS = "containers";
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.1";

    private static String bootstrapServers;

    private TestKafka() {
    }

    /** @return the bootstrap servers of the shared Kafka, starting it if needed */
    public static synchronized String bootstrapServers() {
        if (bootstrapServers == null) {
            bootstrapServers = CONTAINERS.equals(System.getProperty(INFRA_PROPERTY)) ? startContainer() : startEmbedded();
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

    @SuppressWarnings("resource")
    private static String startContainer() {
        assumeTrue(DockerClientFactory.instance().isDockerAvailable(),
                "test.infra=containers but no Docker engine is available");
        KafkaContainer container = new KafkaContainer(KAFKA_IMAGE);
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-kafka-container-shutdown"));
        return container.getBootstrapServers();
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
