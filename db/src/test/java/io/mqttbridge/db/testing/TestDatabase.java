package io.mqttbridge.db.testing;

import io.mqttbridge.db.Database;
import io.mqttbridge.db.DatabaseConfig;
import io.mqttbridge.testing.postgres.TestPostgres;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh, migrated database for one test class on the JVM's {@link TestPostgres}:
 * <pre>{@code
 * @RegisterExtension
 * static final TestDatabase db = new TestDatabase();
 * ... db.database().devices() ...
 * }</pre>
 * The database is created before the class's first test and dropped after its last.
 */
public final class TestDatabase implements BeforeAllCallback, AfterAllCallback {

    private final DatabaseConfig template;
    private String name;
    private Database database;
    private DatabaseConfig config;

    public TestDatabase() {
        this(new DatabaseConfig().setPoolSize(4));
    }

    /** @param template settings to use (retention, partitioning, pool); the connection is filled in */
    public TestDatabase(DatabaseConfig template) {
        this.template = template;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        TestPostgres postgres = TestPostgres.shared();
        name = postgres.createDatabase(context.getRequiredTestClass().getSimpleName());
        config = copy(template)
                .setJdbcUrl(postgres.jdbcUrl(name))
                .setUser(postgres.user())
                .setPassword(postgres.password());
        database = Database.open(config);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (database != null) {
            database.close();
            TestPostgres.shared().dropDatabase(name);
        }
    }

    public Database database() {
        return database;
    }

    public Jdbi jdbi() {
        return database.jdbi();
    }

    /** The configuration the database was opened with (an external JDBC URL). */
    public DatabaseConfig config() {
        return config;
    }

    /** Empties every table, for tests that need a clean slate between methods. */
    public void truncateAll() {
        jdbi().useHandle(h -> h.execute("TRUNCATE devices, device_credentials, device_acl_rules, broker_nodes, "
                + "sessions, subscription_events, messages, broker_session_state, retained_messages, device_change_log CASCADE"));
    }

    private static DatabaseConfig copy(DatabaseConfig t) {
        return new DatabaseConfig()
                .setPoolSize(t.getPoolSize())
                .setConnectionTimeoutMillis(t.getConnectionTimeoutMillis())
                .setRetentionDays(t.getRetentionDays())
                .setPartitionIntervalDays(t.getPartitionIntervalDays())
                .setPrecreatePartitions(t.getPrecreatePartitions())
                .setStartupWaitSeconds(t.getStartupWaitSeconds());
    }
}
