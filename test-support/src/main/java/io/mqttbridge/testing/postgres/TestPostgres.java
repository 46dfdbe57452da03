package io.mqttbridge.testing.postgres;

import io.mqttbridge.db.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one PostgreSQL server of a test JVM, chosen by system properties:
 * <ul>
 *   <li>{@code test.postgres.url} set (a JDBC URL of a database to connect to for administration,
 *       with {@code test.postgres.user} and {@code test.postgres.password}): that external server;
 *       the user needs CREATEDB;</li>
 *   <li>{@code test.infra=containers}: a Testcontainers PostgreSQL; tests are skipped (JUnit
 *       assumption) when no Docker engine is reachable;</li>
 *   <li>otherwise: an embedded PostgreSQL in a temporary directory.</li>
 * </ul>
 * Tests do not use the server's databases directly: each test class gets its own database through
 * {@link TestDatabase}, so classes are independent of each other and of their order.
 */
public final class TestPostgres {

    public static final String URL_PROPERTY = "test.postgres.url";
    public static final String USER_PROPERTY = "test.postgres.user";
    public static final String PASSWORD_PROPERTY = "test.postgres.password";
    public static final String INFRA_PROPERTY = "test.infra";

    private static TestPostgres shared;
    private static RuntimeException startFailure;

    private final String adminUrl;
    private final String user;
    private final String password;
    private final String urlPrefix;
    private final String urlSuffix;
    private final AtomicInteger databases = new AtomicInteger();

    TestPostgres(String adminUrl, String user, String password) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        int query = adminUrl.indexOf('?');
        String base = query < 0 ? adminUrl : adminUrl.substring(0, query);
        this.urlPrefix = base.substring(0, base.lastIndexOf('/') + 1);
        this.urlSuffix = query < 0 ? "" : adminUrl.substring(query);
    }

    /** The server of this JVM, started on first use; skips the calling test when it cannot exist here. */
    public static synchronized TestPostgres shared() {
        if (startFailure != null) {
            throw startFailure;
        }
        if (shared == null) {
            try {
                shared = start();
            } catch (RuntimeException e) {
                startFailure = e;
                throw e;
            }
        }
        return shared;
    }

    private static TestPostgres start() {
        String url = System.getProperty(URL_PROPERTY, "");
        if (!url.isBlank()) {
            return new TestPostgres(url, System.getProperty(USER_PROPERTY, "postgres"),
                    System.getProperty(PASSWORD_PROPERTY, ""));
        }
        if ("containers".equals(System.getProperty(INFRA_PROPERTY))) {
            return ContainerPostgres.start();
        }
        try {
            Path dir = Files.createTempDirectory("test-postgres-");
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(dir.resolve("data"), 0).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.stop();
                TempDirectories.deleteQuietly(dir);
            }, "test-postgres-stop"));
            return new TestPostgres(server.jdbcUrl(EmbeddedPostgresServer.DATABASE), EmbeddedPostgresServer.USER,
                    server.password());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates an empty database with a unique name. */
    public String createDatabase(String hint) {
        String name = ("t" + databases.incrementAndGet() + "_" + hint.replaceAll("[^A-Za-z0-9]", "")
                + "_" + Long.toHexString(System.nanoTime() & 0xFFFFFF)).toLowerCase();
        if (name.length() > 60) {
            name = name.substring(0, 60);
        }
        execute("CREATE DATABASE \"" + name + "\"");
        return name;
    }

    public void dropDatabase(String name) {
        execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
    }

    public String jdbcUrl(String database) {
        return urlPrefix + database + urlSuffix;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    private void execute(String sql) {
        try (Connection c = DriverManager.getConnection(adminUrl, user, password);
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test PostgreSQL: " + sql + " failed: " + e.getMessage(), e);
        }
    }
}
