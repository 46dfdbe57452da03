package io.mqttbridge.testing.kafka;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Testcontainers side of {@link TestKafka}, in a class of its own so that Testcontainers is
 * loaded only when containers were asked for.
 */
final class ContainerKafka {

    private ContainerKafka() {
    }

    /** Skips the calling test (JUnit assumption) when no Docker engine is available. */
    @SuppressWarnings("resource")
    static String start(String image) {
        assumeTrue(DockerClientFactory.instance().isDockerAvailable(),
                "test.infra=containers but no Docker engine is available");
        KafkaContainer container = new KafkaContainer(image);
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-kafka-container-shutdown"));
        return container.getBootstrapServers();
    }
}
