package io.mqttbridge.db.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

/**
 * The main of a separate JVM for {@link EmbeddedPostgresLifetimeTest}: starts the embedded server on
 * the data directory given as the first argument, stores one row, prints
 * {@code READY <postgres pid>} and waits to be killed.
 */
public final class PostgresOwnerProcess {

    private PostgresOwnerProcess() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(Path.of(args[0]), 0).start();
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(EmbeddedPostgresServer.DATABASE),
                EmbeddedPostgresServer.USER, server.password())) {
            c.createStatement().execute("CREATE TABLE survivor (v int); INSERT INTO survivor VALUES (7)");
        }
        System.out.println("READY " + server.postmasterPid().orElseThrow());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
