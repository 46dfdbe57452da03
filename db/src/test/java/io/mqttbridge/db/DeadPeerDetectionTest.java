package io.mqttbridge.db;

import io.mqttbridge.db.embedded.EmbeddedPostgresServer;
import io.mqttbridge.testing.net.PacketDrop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A PostgreSQL that vanishes without closing its connections (its packets silently dropped, see
 * {@link PacketDrop}). A connection waiting for it, as the device-change listener always is, must
 * fail within {@code database.deadPeerTimeoutSeconds}, so its owner reconnects, instead of waiting
 * for an answer that never comes.
 */
class DeadPeerDetectionTest {

    private static final int DEAD_PEER_TIMEOUT_SECONDS = 6;

    @TempDir
    Path directory;

    @Test
    void aConnectionWaitingOnAVanishedServerFailsWithinTheTimeoutWhileOneWithoutProbesWaitsOn() throws Exception {
        DatabaseConfig config = new DatabaseConfig().setEmbeddedDataDirectory(directory.resolve("pg").toString())
                .setDeadPeerTimeoutSeconds(DEAD_PEER_TIMEOUT_SECONDS);
        ExecutorService waiters = Executors.newFixedThreadPool(2);
        try (Database database = Database.open(config)) {
            Connection probed = database.openDedicatedConnection();
            Connection unprobed = withoutKeepAlive(database.embeddedServer());
            try {
                listen(probed);
                listen(unprobed);
                try (PacketDrop drop = PacketDrop.on(database.embeddedServer().port())) {
                    long cutAt = System.nanoTime();
                    CompletableFuture<Long> probedFailed = waitForANotification(probed, waiters, cutAt);
                    CompletableFuture<Long> unprobedFailed = waitForANotification(unprobed, waiters, cutAt);

                    long failedAfterMillis = probedFailed.get(30, TimeUnit.SECONDS);

                    assertThat(failedAfterMillis).as("given up after the probes went unanswered")
                            .isBetween(DEAD_PEER_TIMEOUT_SECONDS * 500L, DEAD_PEER_TIMEOUT_SECONDS * 3_000L);
                    assertThat(unprobedFailed).as("the same wait without probes goes on").isNotDone();
                }
            } finally {
                closeQuietly(probed); // its socket is dead: the driver cannot say goodbye
                closeQuietly(unprobed);
            }
        } finally {
            waiters.shutdownNow();
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException expected) {
            // a broken connection cannot send its Terminate message
        }
    }

    private static Connection withoutKeepAlive(EmbeddedPostgresServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(EmbeddedPostgresServer.DATABASE), EmbeddedPostgresServer.USER,
                server.password());
    }

    private static void listen(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN dead_peer_test");
        }
    }

    /** Waits for a notification that never comes; completes with the milliseconds until the wait failed. */
    private static CompletableFuture<Long> waitForANotification(Connection connection, ExecutorService waiters, long since) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                connection.unwrap(PGConnection.class).getNotifications(0);
                throw new AssertionError("a notification arrived from a server that is gone");
            } catch (SQLException expected) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
            }
        }, waiters);
    }
}
