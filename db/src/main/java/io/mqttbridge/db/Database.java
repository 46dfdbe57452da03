package io.mqttbridge.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.mqttbridge.db.embedded.EmbeddedPostgresServer;
import io.mqttbridge.db.internal.JdbiAclRuleRepository;
import io.mqttbridge.db.internal.JdbiCredentialRepository;
import io.mqttbridge.db.internal.JdbiDeviceRepository;
import io.mqttbridge.db.internal.JdbiMessageRepository;
import io.mqttbridge.db.internal.JdbiRetainedMessageRepository;
import io.mqttbridge.db.internal.JdbiSessionRepository;
import io.mqttbridge.db.internal.KeepAliveSocketFactory;
import io.mqttbridge.db.internal.PostgresPartitionManager;
import io.mqttbridge.db.internal.PostgresStartupWait;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;

/**
 * The open database: a connection pool on the configured PostgreSQL (or on an embedded one started
 * for it), with the schema migrated, and the repositories on top of it.
 *
 * <p>Build it once per process with {@link #open(DatabaseConfig)} and {@link #close()} it on
 * shutdown (the pool first, then the embedded server if there is one). Repositories are thread-safe
 * and block the calling thread on JDBC: never call them from an event loop.
 */
public final class Database implements AutoCloseable {

    private final DatabaseConfig config;
    private final EmbeddedPostgresServer embeddedServer;
    private final HikariDataSource dataSource;
    private final HikariDataSource apiDataSource;
    private final Jdbi jdbi;
    private final PartitionManager partitions;
    /** This database on the REST API's pool; a view that closes nothing, or {@code this} for a view. */
    private final Database forApi;

    private Database(DatabaseConfig config, EmbeddedPostgresServer embeddedServer, HikariDataSource dataSource,
                     HikariDataSource apiDataSource) {
        this.config = config;
        this.embeddedServer = embeddedServer;
        this.dataSource = dataSource;
        this.apiDataSource = apiDataSource;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
        this.partitions = new PostgresPartitionManager(jdbi, config, Clock.systemUTC());
        this.forApi = new Database(this, apiDataSource);
    }

    private Database(Database owner, HikariDataSource apiDataSource) {
        this.config = owner.config;
        this.embeddedServer = null;
        this.dataSource = apiDataSource;
        this.apiDataSource = null;
        this.jdbi = Jdbi.create(apiDataSource).installPlugin(new PostgresPlugin());
        this.partitions = owner.partitions;
        this.forApi = this;
    }

    /**
     * Validates the configuration, starts the embedded PostgreSQL when no JDBC URL is configured,
     * opens the pool and applies pending migrations.
     *
     * @throws IllegalArgumentException for an invalid configuration (names the key)
     * @throws IllegalStateException naming the key, when a configured PostgreSQL refuses the connection,
     *     or does not accept one within {@link DatabaseConfig#getStartupWaitSeconds()}
     * @throws RuntimeException when PostgreSQL cannot be migrated; nothing stays open
     */
    public static Database open(DatabaseConfig config) {
        config.validate();
        EmbeddedPostgresServer server = null;
        String url = config.getJdbcUrl();
        String user = config.getUser();
        String password = config.getPassword();
        if (config.isEmbedded()) {
            server = new EmbeddedPostgresServer(Path.of(config.getEmbeddedDataDirectory()), config.getEmbeddedPort(),
                    config.getEmbeddedHost()).start();
            url = server.jdbcUrl(EmbeddedPostgresServer.DATABASE);
            user = EmbeddedPostgresServer.USER;
            password = server.password();
        } else {
            new PostgresStartupWait(url, driverProperties(user, password, config),
                    Duration.ofSeconds(config.getStartupWaitSeconds())).await();
        }
        HikariDataSource pool = null;
        HikariDataSource apiPool = null;
        try {
            pool = pool(url, user, password, config);
            new DatabaseMigrator(pool).migrate();
            apiPool = apiPool(url, user, password, config);
            Database database = new Database(config, server, pool, apiPool);
            database.partitions().maintain();
            return database;
        } catch (RuntimeException e) {
            if (apiPool != null) {
                apiPool.close();
            }
            if (pool != null) {
                pool.close();
            }
            if (server != null) {
                server.stop();
            }
            throw e;
        }
    }

    private static HikariDataSource pool(String url, String user, String password, DatabaseConfig config) {
        HikariConfig hikari = poolConfig("mqttbridge-db", "mqtt-kafka-bridge", url, user, password, config);
        hikari.setMaximumPoolSize(config.getPoolSize());
        hikari.setMinimumIdle(Math.min(2, config.getPoolSize()));
        // Turns the history writer's JDBC batches into multi-row INSERTs: one round trip per ~128 rows.
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        return new HikariDataSource(hikari);
    }

    /**
     * The REST API's own connections: a burst of dashboard queries waits for these (and gets 503 when
     * they stay busy) instead of taking the connections the broker's session store, the retained
     * store and the history writer need; and a query ends after {@code apiStatementTimeoutSeconds}.
     */
    private static HikariDataSource apiPool(String url, String user, String password, DatabaseConfig config) {
        HikariConfig hikari = poolConfig("mqttbridge-api", "mqtt-kafka-bridge api", url, user, password, config);
        hikari.setMaximumPoolSize(config.getApiPoolSize());
        hikari.setMinimumIdle(1);
        if (config.getApiStatementTimeoutSeconds() > 0) {
            hikari.setConnectionInitSql("SET statement_timeout = '" + config.getApiStatementTimeoutSeconds() + "s'");
        }
        return new HikariDataSource(hikari);
    }

    /** What both pools share: the server, the time-outs, the keepalive probes. */
    private static HikariConfig poolConfig(String poolName, String applicationName, String url, String user,
                                           String password, DatabaseConfig config) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(poolName);
        hikari.setJdbcUrl(url);
        hikari.setUsername(user);
        hikari.setPassword(password == null || password.isEmpty() ? null : password);
        hikari.setConnectionTimeout(config.getConnectionTimeoutMillis());
        hikari.addDataSourceProperty("ApplicationName", applicationName);
        hikari.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, config.getConnectionTimeoutMillis() / 1000)));
        deadPeerDetection(config).forEach(hikari::addDataSourceProperty);
        return hikari;
    }

    /** The driver properties that give every connection keepalive probes ({@link KeepAliveSocketFactory}). */
    private static Map<String, String> deadPeerDetection(DatabaseConfig config) {
        int timeout = config.getDeadPeerTimeoutSeconds();
        if (timeout == 0) {
            return Map.of();
        }
        return Map.of("tcpKeepAlive", "true", // else the driver turns the sockets' keepalive off again
                "socketFactory", KeepAliveSocketFactory.class.getName(),
                "socketFactoryArg", KeepAliveSocketFactory.argument(timeout / 2, Math.max(1, timeout / 6), 3));
    }

    public DatabaseConfig config() {
        return config;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * A new connection outside the pool, for a long-lived use that must not hold a pool slot (the
     * {@code LISTEN} of {@code DeviceChangeListener}). The caller closes it.
     */
    public Connection openDedicatedConnection() throws SQLException {
        HikariDataSource pool = (HikariDataSource) dataSource;
        Properties properties = driverProperties(pool.getUsername(), pool.getPassword(), config);
        properties.setProperty("ApplicationName", "mqtt-kafka-bridge device changes");
        properties.putAll(deadPeerDetection(config));
        return DriverManager.getConnection(pool.getJdbcUrl(), properties);
    }

    /** The driver properties of a connection opened outside the pools: credentials and the connect timeout. */
    private static Properties driverProperties(String user, String password, DatabaseConfig config) {
        Properties properties = new Properties();
        if (user != null) {
            properties.setProperty("user", user);
        }
        if (password != null && !password.isEmpty()) {
            properties.setProperty("password", password);
        }
        properties.setProperty("connectTimeout", String.valueOf(Math.max(1, config.getConnectionTimeoutMillis() / 1000)));
        return properties;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * This database on the REST API's own pool ({@code database.apiPoolSize} connections, statements
     * ended after {@code database.apiStatementTimeoutSeconds}): the repositories the API serves from.
     * The broker's stores, the device registry and the history writer stay on the main pool. Closing
     * the view closes nothing; closing this database closes both pools.
     */
    public Database forApi() {
        return forApi;
    }

    /** The embedded server, or {@code null} when an external PostgreSQL is configured. */
    public EmbeddedPostgresServer embeddedServer() {
        return embeddedServer;
    }

    public DeviceRepository devices() {
        return new JdbiDeviceRepository(jdbi);
    }

    public CredentialRepository credentials() {
        return new JdbiCredentialRepository(jdbi);
    }

    public AclRuleRepository aclRules() {
        return new JdbiAclRuleRepository(jdbi);
    }

    public SessionRepository sessions() {
        return new JdbiSessionRepository(jdbi);
    }

    public MessageRepository messages() {
        return new JdbiMessageRepository(jdbi);
    }

    public RetainedMessageRepository retained() {
        return new JdbiRetainedMessageRepository(jdbi);
    }

    /** The one partition manager of this database (it caches which partitions exist). */
    public PartitionManager partitions() {
        return partitions;
    }

    @Override
    public void close() {
        if (forApi == this) {
            return; // a view: its owner closes the pools
        }
        try {
            apiDataSource.close();
            dataSource.close();
        } finally {
            if (embeddedServer != null) {
                embeddedServer.stop();
            }
        }
    }
}
