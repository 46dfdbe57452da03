package io.mqttbridge.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.mqttbridge.db.embedded.EmbeddedPostgresServer;
import io.mqttbridge.db.testing.TestDatabase;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code database.startupWaitSeconds}: a configured PostgreSQL that is not up yet is waited for; one
 * that refuses the credentials, or stays away past the wait, fails the start with a message naming the
 * configuration key.
 */
class DatabaseStartupWaitTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @TempDir
    Path dataDir;

    @Test
    void aPostgresThatStartsWhileTheBridgeWaitsForItIsUsed() throws Exception {
        // First start: the data directory and its password; then stopped, as at a host's boot.
        int port = freePort();
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(dataDir.resolve("pg"), port).start();
        String password = server.password();
        server.stop();
        DatabaseConfig config = new DatabaseConfig().setJdbcUrl("jdbc:postgresql://127.0.0.1:" + port + "/postgres")
                .setUser(EmbeddedPostgresServer.USER).setPassword(password).setStartupWaitSeconds(60);
        CompletableFuture<Void> startedLater = CompletableFuture.runAsync(server::start,
                CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS));
        try {
            try (Database database = Database.open(config)) {
                assertThat(startedLater).as("opened only once PostgreSQL was up").isDone();
                database.devices().create(new NewDevice("late-1", "after the wait", true, Map.of()));
                assertThat(database.devices().find("late-1")).isPresent();
            }
        } finally {
            startedLater.join();
            server.stop();
        }
    }

    @Test
    void aPostgresThatStaysAwayFailsTheStartAfterTheWaitNamingTheKeys() throws Exception {
        int closedPort = freePort();
        DatabaseConfig config = new DatabaseConfig().setJdbcUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres")
                .setStartupWaitSeconds(1);

        assertThatThrownBy(() -> Database.open(config))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database.jdbcUrl")
                .hasMessageContaining("127.0.0.1:" + closedPort)
                .hasMessageContaining("within 1 s (database.startupWaitSeconds)");
    }

    @Test
    void aWrongPasswordFailsTheStartAtOnceNamingTheKeys() {
        DatabaseConfig wrong = new DatabaseConfig().setJdbcUrl(db.config().getJdbcUrl()).setUser(db.config().getUser())
                .setPassword("not-" + db.config().getPassword()).setStartupWaitSeconds(600);

        // Not after the ten minutes of the wait: no wait changes a refused password.
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> Database.open(wrong))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database.user / database.password")
                .hasMessageContaining("password authentication failed"));
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void aNegativeWaitIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new DatabaseConfig().setStartupWaitSeconds(-1).validate())
                .hasMessageContaining("startupWaitSeconds must be 0 (fail at once) or more, was -1");
    }
}
