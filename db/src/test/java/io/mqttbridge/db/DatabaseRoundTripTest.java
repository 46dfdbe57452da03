package io.mqttbridge.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.db.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DatabaseRoundTripTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void migratedSchemaStoresAndReadsBackADevice() {
        db.database().devices().create(new NewDevice("dev-1", "first", true, java.util.Map.of("k", "v")));

        Device read = db.database().devices().find("dev-1").orElseThrow();

        assertThat(read.displayName()).isEqualTo("first");
        assertThat(read.metadata()).containsEntry("k", "v");
        assertThat(read.createdAt()).isNotNull();
    }

    @Test
    void migratingAgainIsANoOpAtTheSameVersion() {
        String version = new DatabaseMigrator(db.database().dataSource()).migrate();
        assertThat(version).isEqualTo("36");
    }

    @Test
    void invalidConfigurationNamesTheKey() {
        assertThatThrownBy(() -> new DatabaseConfig().setJdbcUrl("jdbc:mysql://x").validate())
                .hasMessageContaining("jdbcUrl");
        assertThatThrownBy(() -> new DatabaseConfig().setPoolSize(0).validate()).hasMessageContaining("poolSize");
        assertThatThrownBy(() -> new DatabaseConfig().setRetentionDays(-1).validate()).hasMessageContaining("retentionDays");
        assertThatThrownBy(() -> new DatabaseConfig().setPartitionIntervalDays(0).validate())
                .hasMessageContaining("partitionIntervalDays");
        assertThatThrownBy(() -> new DatabaseConfig().setEmbeddedPort(70_000).validate())
                .hasMessageContaining("embeddedPort");
    }
}
