package io.mqttbridge.db.internal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, waits for a configured PostgreSQL to accept a connection: one started at the same time as
 * the bridge (a host's boot, a container orchestrator) may be a few seconds behind it, and the bridge
 * cannot take a device before its persistent sessions are read. Tries every second until
 * {@code database.startupWaitSeconds} have passed, saying what it waits for; an answer that waiting
 * will not change (a wrong password, a database that does not exist) ends the wait at once. Either
 * way the failure names the key to look at, instead of a connection pool's stack trace.
 *
 * <p>Threading: blocks its caller (the process's start).
 */
public final class PostgresStartupWait {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresStartupWait.class);
    private static final long RETRY_MILLIS = 1_000;

    private final String url;
    private final Properties properties;
    private final Duration wait;

    /** @param properties the driver's properties: credentials and connect timeout */
    public PostgresStartupWait(String url, Properties properties, Duration wait) {
        this.url = url;
        this.properties = properties;
        this.wait = wait;
    }

    /**
     * Returns once PostgreSQL accepted a connection.
     *
     * @throws IllegalStateException naming the configuration key, when it refused for good or did not
     *     answer within the wait
     */
    public void await() {
        long deadline = System.nanoTime() + wait.toNanos();
        int attempts = 0;
        while (true) {
            attempts++;
            try (Connection ignored = DriverManager.getConnection(url, properties)) {
                if (attempts > 1) {
                    LOG.info("PostgreSQL at {} accepts connections now", url);
                }
                return;
            } catch (SQLException e) {
                if (isPermanent(e)) {
                    throw new IllegalStateException(keyOf(e) + ": PostgreSQL at " + url + " refused the connection: "
                            + e.getMessage(), e);
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new IllegalStateException("database.jdbcUrl: PostgreSQL at " + url + " did not accept a"
                            + " connection within " + wait.toSeconds() + " s (database.startupWaitSeconds): "
                            + e.getMessage(), e);
                }
                if (attempts % 10 == 1) {
                    LOG.warn("PostgreSQL at {} (database.jdbcUrl) does not accept connections yet ({}); trying again"
                            + " every second for up to {} s in all (database.startupWaitSeconds)", url, e.getMessage(),
                            wait.toSeconds());
                }
                sleep();
            }
        }
    }

    /*
     * SQL states that waiting will not change: class 28 (invalid authorization: user or password) and
     * 3D000 (the database does not exist). Class 08 (connection exceptions) and 57P03 (the server is
     * starting or shutting down) are worth waiting for.
     */
    static boolean isPermanent(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("28") || state.equals("3D000"));
    }

    private static String keyOf(SQLException e) {
        return e.getSQLState().startsWith("28") ? "database.user / database.password" : "database.jdbcUrl";
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for PostgreSQL", e);
        }
    }
}
