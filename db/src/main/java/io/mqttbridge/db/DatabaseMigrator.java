package io.mqttbridge.db;

import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database's schema up to date with the Flyway migrations in
 * {@code classpath:db/migration}. Run once at startup, before anything else touches the tables;
 * several processes may run it at once (Flyway takes a lock).
 */
public final class DatabaseMigrator {

    public static final String MIGRATIONS_LOCATION = "classpath:db/migration";
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseMigrator.class);

    private final DataSource dataSource;

    public DatabaseMigrator(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /**
     * Applies every pending migration.
     *
     * @return the schema version after migrating
     * @throws org.flywaydb.core.api.FlywayException if a migration fails or the applied ones differ
     *     from those shipped (edited after release)
     */
    public String migrate() {
        MigrateResult result = Flyway.configure()
                .dataSource(dataSource)
                .locations(MIGRATIONS_LOCATION)
                .load()
                .migrate();
        LOG.info("Database schema at version {} ({} migrations applied now)", result.targetSchemaVersion,
                result.migrationsExecuted);
        return result.targetSchemaVersion == null ? result.initialSchemaVersion : result.targetSchemaVersion;
    }
}
