package io.mqttbridge.testing.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class ContainerPostgresTest {

    @Test
    void withoutDockerTheContainerPathSkipsInsteadOfFailing() {
        if (ContainerPostgres.dockerAvailable()) {
            TestPostgres postgres = ContainerPostgres.start();
            String name = postgres.createDatabase("containercheck");
            assertThat(postgres.jdbcUrl(name)).contains(name);
            postgres.dropDatabase(name);
        } else {
            assertThatThrownBy(ContainerPostgres::start).isInstanceOf(TestAbortedException.class)
                    .hasMessageContaining("Docker");
        }
    }
}
