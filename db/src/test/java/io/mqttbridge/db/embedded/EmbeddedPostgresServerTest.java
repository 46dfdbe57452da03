package io.mqttbridge.db.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.db.Database;
import io.mqttbridge.db.DatabaseConfig;
import io.mqttbridge.db.NewDevice;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerTest {

    @TempDir
    Path dataDir;

    @Test
    void databaseWithoutJdbcUrlStartsEmbeddedServerAndKeepsDataAcrossRestart() {
        DatabaseConfig config = new DatabaseConfig().setEmbeddedDataDirectory(dataDir.resolve("pg").toString());
        int firstPort;
        try (Database first = Database.open(config)) {
            assertThat(first.embeddedServer()).isNotNull();
            firstPort = first.embeddedServer().port();
            first.devices().create(new NewDevice("sensor-1", "Boiler", true, Map.of("floor", 2)));
        }
        try (Database second = Database.open(config)) {
            assertThat(second.devices().find("sensor-1")).get()
                    .satisfies(d -> assertThat(d.metadata()).containsEntry("floor", 2))
                    .satisfies(d -> assertThat(d.displayName()).isEqualTo("Boiler"));
            assertThat(second.embeddedServer().dataDirectory()).isEqualTo(dataDir.resolve("pg").toAbsolutePath());
        }
        assertThat(firstPort).isPositive();
    }

    @Test
    void stoppedServerRefusesConnectionsAndRestartsOnTheSamePort() throws Exception {
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(dataDir.resolve("pg"), 0).start();
        int port = server.port();
        String url = server.jdbcUrl(EmbeddedPostgresServer.DATABASE);
        String password = server.password();
        try (Connection c = DriverManager.getConnection(url, EmbeddedPostgresServer.USER, password)) {
            c.createStatement().execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
            assertThat(setting(c, "fsync")).isEqualTo("on");
            assertThat(setting(c, "synchronous_commit")).isEqualTo("on");
        }
        server.stop();
        assertThat(server.isRunning()).isFalse();
        assertThatThrownBy(() -> DriverManager.getConnection(url, EmbeddedPostgresServer.USER, password).close())
                .isInstanceOf(java.sql.SQLException.class);

        EmbeddedPostgresServer again = new EmbeddedPostgresServer(dataDir.resolve("pg"), port).start();
        assertThat(again.password()).isEqualTo(password);
        try (Connection c = DriverManager.getConnection(again.jdbcUrl(EmbeddedPostgresServer.DATABASE),
                EmbeddedPostgresServer.USER, password);
             var rs = c.createStatement().executeQuery("SELECT v FROM kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        } finally {
            again.stop();
        }
    }

    @Test
    void serverRequiresTheGeneratedPasswordStoredOwnerOnlyWithTheData() throws Exception {
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(dataDir.resolve("pw"), 0).start();
        try {
            String url = server.jdbcUrl(EmbeddedPostgresServer.DATABASE);
            java.nio.file.Path file = dataDir.resolve("pw").resolve(EmbeddedPostgresServer.PASSWORD_FILE);
            assertThat(java.nio.file.Files.readString(file)).isEqualTo(server.password()).hasSizeGreaterThanOrEqualTo(32);
            assertThat(java.nio.file.Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
                    java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            assertThatThrownBy(() -> DriverManager.getConnection(url, EmbeddedPostgresServer.USER, "").close())
                    .isInstanceOf(java.sql.SQLException.class);
            assertThatThrownBy(() -> DriverManager.getConnection(url, EmbeddedPostgresServer.USER, "guess").close())
                    .isInstanceOf(java.sql.SQLException.class);
            DriverManager.getConnection(url, EmbeddedPostgresServer.USER, server.password()).close();
        } finally {
            server.stop();
        }
    }

    private static String setting(Connection c, String name) throws java.sql.SQLException {
        try (var rs = c.createStatement().executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void negativePortIsRejectedWithItsName() {
        assertThatThrownBy(() -> new EmbeddedPostgresServer(dataDir, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
    }

    @Test
    void anEmbeddedHostThatIsNoIpAddressIsRejectedNamingTheKey() {
        assertThatThrownBy(() -> new DatabaseConfig().setEmbeddedHost("db.example.org").validate())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embeddedHost")
                .hasMessageContaining("db.example.org");
        assertThat(new DatabaseConfig().setEmbeddedHost("0.0.0.0").validate().getEmbeddedHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void aServerListeningOnAnotherAddressTooTakesPasswordConnectionsThere() throws Exception {
        // 127.0.0.2 is loopback as well, but another address than the one the server always listens on.
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(dataDir, 0, "127.0.0.2").start();
        try (Connection connection = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.2:" + server.port() + "/" + EmbeddedPostgresServer.DATABASE,
                EmbeddedPostgresServer.USER, server.password())) {
            assertThat(connection.isValid(2)).isTrue();
        } finally {
            server.stop();
        }
        assertThat(java.nio.file.Files.readString(dataDir.resolve("pg_hba.conf")))
                .contains("host all all all scram-sha-256");
    }
}
