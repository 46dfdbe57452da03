package io.mqttbridge.db;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the database is and how it is kept. Plain and Jackson-friendly so that the application's
 * YAML configuration can embed it; every field has a named default.
 *
 * <p>An empty {@link #getJdbcUrl() jdbcUrl} means "no PostgreSQL configured": the process starts an
 * embedded PostgreSQL whose data lives in {@link #getEmbeddedDataDirectory() embeddedDataDirectory}.
 */
public class DatabaseConfig {

    public static final String DEFAULT_JDBC_URL = "";
    public static final String DEFAULT_USER = "postgres";
    public static final String DEFAULT_PASSWORD = "";
    public static final String DEFAULT_EMBEDDED_DATA_DIRECTORY = "data/postgres";
    /** 0: a free port chosen at start. */
    public static final int DEFAULT_EMBEDDED_PORT = 0;
    /** The embedded PostgreSQL listens on loopback only unless told otherwise. */
    public static final String DEFAULT_EMBEDDED_HOST = "127.0.0.1";
    public static final int DEFAULT_POOL_SIZE = 10;
    public static final int DEFAULT_API_POOL_SIZE = 4;
    public static final int DEFAULT_API_STATEMENT_TIMEOUT_SECONDS = 30;
    public static final long DEFAULT_CONNECTION_TIMEOUT_MILLIS = 5_000;
    /** 0 keeps messages for ever. */
    public static final int DEFAULT_RETENTION_DAYS = 30;
    public static final int DEFAULT_PARTITION_INTERVAL_DAYS = 1;
    public static final int DEFAULT_PRECREATE_PARTITIONS = 3;
    /** How long a start waits for a configured PostgreSQL that does not accept connections yet. */
    public static final int DEFAULT_STARTUP_WAIT_SECONDS = 60;
    /** A connection whose PostgreSQL went away without closing it is given up after about this long. */
    public static final int DEFAULT_DEAD_PEER_TIMEOUT_SECONDS = 60;

    private String jdbcUrl = DEFAULT_JDBC_URL;
    private String user = DEFAULT_USER;
    private String password = DEFAULT_PASSWORD;
    private String embeddedDataDirectory = DEFAULT_EMBEDDED_DATA_DIRECTORY;
    private int embeddedPort = DEFAULT_EMBEDDED_PORT;
    private String embeddedHost = DEFAULT_EMBEDDED_HOST;
    private int poolSize = DEFAULT_POOL_SIZE;
    private int apiPoolSize = DEFAULT_API_POOL_SIZE;
    private int apiStatementTimeoutSeconds = DEFAULT_API_STATEMENT_TIMEOUT_SECONDS;
    private long connectionTimeoutMillis = DEFAULT_CONNECTION_TIMEOUT_MILLIS;
    private int retentionDays = DEFAULT_RETENTION_DAYS;
    private int partitionIntervalDays = DEFAULT_PARTITION_INTERVAL_DAYS;
    private int precreatePartitions = DEFAULT_PRECREATE_PARTITIONS;
    private int deadPeerTimeoutSeconds = DEFAULT_DEAD_PEER_TIMEOUT_SECONDS;
    private int startupWaitSeconds = DEFAULT_STARTUP_WAIT_SECONDS;

    /** Whether an embedded PostgreSQL must be started (no JDBC URL configured). */
    public boolean isEmbedded() {
        return jdbcUrl == null || jdbcUrl.isBlank();
    }

    /**
     * @throws IllegalArgumentException naming the first offending key
     */
    public DatabaseConfig validate() {
        List<String> problems = new ArrayList<>();
        if (!isEmbedded() && !jdbcUrl.startsWith("jdbc:postgresql:")) {
            problems.add("jdbcUrl must start with 'jdbc:postgresql:' (or be empty for the embedded PostgreSQL), was '" + jdbcUrl + "'");
        }
        if (user == null || user.isBlank()) {
            problems.add("user must not be empty");
        }
        if (isEmbedded() && (embeddedDataDirectory == null || embeddedDataDirectory.isBlank())) {
            problems.add("embeddedDataDirectory must not be empty when jdbcUrl is empty");
        }
        if (embeddedPort < 0 || embeddedPort > 65_535) {
            problems.add("embeddedPort must be between 0 and 65535, was " + embeddedPort);
        }
        if (!EmbeddedHosts.isIpLiteral(embeddedHost)) {
            problems.add("embeddedHost must be an IP address to listen on (e.g. 127.0.0.1, or 0.0.0.0 for every"
                    + " interface), was '" + embeddedHost + "'");
        }
        if (poolSize < 1) {
            problems.add("poolSize must be at least 1, was " + poolSize);
        }
        if (apiPoolSize < 1) {
            problems.add("apiPoolSize must be at least 1, was " + apiPoolSize);
        }
        if (apiStatementTimeoutSeconds < 0) {
            problems.add("apiStatementTimeoutSeconds must be 0 (no limit) or more, was " + apiStatementTimeoutSeconds);
        }
        if (connectionTimeoutMillis < 250) {
            problems.add("connectionTimeoutMillis must be at least 250, was " + connectionTimeoutMillis);
        }
        if (retentionDays < 0) {
            problems.add("retentionDays must be 0 (keep for ever) or more, was " + retentionDays);
        }
        if (partitionIntervalDays < 1) {
            problems.add("partitionIntervalDays must be at least 1, was " + partitionIntervalDays);
        }
        if (precreatePartitions < 1) {
            problems.add("precreatePartitions must be at least 1, was " + precreatePartitions);
        }
        if (deadPeerTimeoutSeconds != 0 && (deadPeerTimeoutSeconds < 6 || deadPeerTimeoutSeconds > 7200)) {
            problems.add("deadPeerTimeoutSeconds must be 0 (the operating system's keepalive settings) or 6 to 7200, was "
                    + deadPeerTimeoutSeconds);
        }
        if (startupWaitSeconds < 0) {
            problems.add("startupWaitSeconds must be 0 (fail at once) or more, was " + startupWaitSeconds);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid database configuration: " + String.join("; ", problems));
        }
        return this;
    }

    public String getJdbcUrl() {
        return jdbcUrl;
    }

    public DatabaseConfig setJdbcUrl(String jdbcUrl) {
        this.jdbcUrl = jdbcUrl;
        return this;
    }

    public String getUser() {
        return user;
    }

    public DatabaseConfig setUser(String user) {
        this.user = user;
        return this;
    }

    public String getPassword() {
        return password;
    }

    public DatabaseConfig setPassword(String password) {
        this.password = password;
        return this;
    }

    public String getEmbeddedDataDirectory() {
        return embeddedDataDirectory;
    }

    public DatabaseConfig setEmbeddedDataDirectory(String embeddedDataDirectory) {
        this.embeddedDataDirectory = embeddedDataDirectory;
        return this;
    }

    public int getEmbeddedPort() {
        return embeddedPort;
    }

    public DatabaseConfig setEmbeddedPort(int embeddedPort) {
        this.embeddedPort = embeddedPort;
        return this;
    }

    public String getEmbeddedHost() {
        return embeddedHost;
    }

    /**
     * The address the embedded PostgreSQL listens on besides 127.0.0.1 (where this process connects).
     * Other hosts, e.g. nodes of a cluster in other network namespaces, reach it only when this is
     * not a loopback address; they need the password in the data directory's {@code bridge-password}
     * file.
     */
    public DatabaseConfig setEmbeddedHost(String embeddedHost) {
        this.embeddedHost = embeddedHost;
        return this;
    }

    public int getPoolSize() {
        return poolSize;
    }

    public DatabaseConfig setPoolSize(int poolSize) {
        this.poolSize = poolSize;
        return this;
    }

    /**
     * Connections of the REST API's own pool, apart from the {@link #getPoolSize()} ones of the broker's
     * stores, the device registry and the history writer, so that dashboard queries cannot take those.
     */
    public int getApiPoolSize() {
        return apiPoolSize;
    }

    public DatabaseConfig setApiPoolSize(int apiPoolSize) {
        this.apiPoolSize = apiPoolSize;
        return this;
    }

    /** A REST API statement still running after this long is cancelled (the request gets 503); 0: no limit. */
    public int getApiStatementTimeoutSeconds() {
        return apiStatementTimeoutSeconds;
    }

    public DatabaseConfig setApiStatementTimeoutSeconds(int apiStatementTimeoutSeconds) {
        this.apiStatementTimeoutSeconds = apiStatementTimeoutSeconds;
        return this;
    }

    public long getConnectionTimeoutMillis() {
        return connectionTimeoutMillis;
    }

    public DatabaseConfig setConnectionTimeoutMillis(long connectionTimeoutMillis) {
        this.connectionTimeoutMillis = connectionTimeoutMillis;
        return this;
    }

    public int getRetentionDays() {
        return retentionDays;
    }

    public DatabaseConfig setRetentionDays(int retentionDays) {
        this.retentionDays = retentionDays;
        return this;
    }

    public int getPartitionIntervalDays() {
        return partitionIntervalDays;
    }

    public DatabaseConfig setPartitionIntervalDays(int partitionIntervalDays) {
        this.partitionIntervalDays = partitionIntervalDays;
        return this;
    }

    public int getPrecreatePartitions() {
        return precreatePartitions;
    }

    public DatabaseConfig setPrecreatePartitions(int precreatePartitions) {
        this.precreatePartitions = precreatePartitions;
        return this;
    }

    /**
     * How long a connection may hear nothing from a PostgreSQL that went away without closing it (its
     * host lost power, or the network dropped everything while the server restarted) before it is
     * given up: TCP keepalive probes start after half of it and three more, a sixth of it apart, go
     * unanswered. 0 leaves the operating system's keepalive settings (on Linux two hours of silence).
     */
    public int getDeadPeerTimeoutSeconds() {
        return deadPeerTimeoutSeconds;
    }

    public DatabaseConfig setDeadPeerTimeoutSeconds(int deadPeerTimeoutSeconds) {
        this.deadPeerTimeoutSeconds = deadPeerTimeoutSeconds;
        return this;
    }

    /**
     * How long a start waits, trying every second, for a configured PostgreSQL that does not accept
     * connections yet (started at the same time, or restarting); 0 fails at once. A wrong password or
     * database name fails at once whatever this is. Not used for the embedded PostgreSQL.
     */
    public int getStartupWaitSeconds() {
        return startupWaitSeconds;
    }

    public DatabaseConfig setStartupWaitSeconds(int startupWaitSeconds) {
        this.startupWaitSeconds = startupWaitSeconds;
        return this;
    }

    @Override
    public String toString() {
        return "DatabaseConfig[jdbcUrl=" + (isEmbedded() ? "(embedded)" : jdbcUrl) + ", user=" + user
                + ", password=" + (password == null || password.isEmpty() ? "none" : "***") + "]";
    }
}
