package io.mqttbridge.testing.postgres;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The {@code test.infra=containers} path of {@link TestPostgres}: a PostgreSQL container. */
final class ContainerPostgres {

    static final String IMAGE = "postgres:16-alpine";

    private ContainerPostgres() {
    }

    /** Skips the calling test (a JUnit assumption) when no Docker engine is reachable. */
    static TestPostgres start() {
        Assumptions.assumeTrue(dockerAvailable(), "test.infra=containers but no Docker engine is reachable");
        PostgreSQLContainer container = new PostgreSQLContainer(IMAGE);
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-postgres-container-stop"));
        return new TestPostgres(container.getJdbcUrl(), container.getUsername(), container.getPassword());
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
