package io.mqttbridge.db.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL never outlives the process that started it: after a {@code kill -9} of
 * that process (a separate JVM here) its watchdog stops the postgres, and when the watchdog is gone
 * too, the next start on the same data finds the orphan, stops it and starts normally.
 */
class EmbeddedPostgresLifetimeTest {

    @TempDir
    Path dir;

    private final List<ProcessHandle> started = new ArrayList<>();
    private EmbeddedPostgresServer next;

    @AfterEach
    void cleanUp() {
        if (next != null) {
            next.stop();
        }
        // Whatever the test left behind (a failed test must not leave a postgres running).
        for (ProcessHandle process : started) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    @Test
    void killDashNineOfTheOwnerStopsItsPostgresThroughTheWatchdogAndTheNextStartWorksOnTheSameData()
            throws Exception {
        Path data = dir.resolve("pg");
        Owner owner = startOwner(data);

        owner.process.destroyForcibly();
        owner.process.waitFor();

        await("the orphaned postgres to be stopped by the watchdog").atMost(Duration.ofSeconds(20))
                .until(() -> !owner.postgres.isAlive());
        assertSurvivorRowReadableAfterANewStart(data);
    }

    @Test
    void whenTheWatchdogDiedTooTheNextStartStopsTheOrphanedPostgresAndStartsOnTheSameData() throws Exception {
        Path data = dir.resolve("pg");
        Owner owner = startOwner(data);
        List<ProcessHandle> watchdogs = owner.process.toHandle().children().toList();
        assertThat(watchdogs).as("the watchdog runs as a child of the owner").isNotEmpty();

        for (ProcessHandle watchdog : watchdogs) {
            watchdog.descendants().forEach(ProcessHandle::destroyForcibly);
            watchdog.destroyForcibly();
        }
        owner.process.destroyForcibly();
        owner.process.waitFor();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(owner.postgres::isAlive);

        assertSurvivorRowReadableAfterANewStart(data);
        assertThat(owner.postgres.isAlive()).as("the orphan was stopped, not left beside the new one").isFalse();
    }

    private void assertSurvivorRowReadableAfterANewStart(Path data) throws Exception {
        next = new EmbeddedPostgresServer(data, 0).start();
        try (Connection c = DriverManager.getConnection(next.jdbcUrl(EmbeddedPostgresServer.DATABASE),
                EmbeddedPostgresServer.USER, next.password());
             ResultSet rs = c.createStatement().executeQuery("SELECT v FROM survivor")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(7);
        }
    }

    private record Owner(Process process, ProcessHandle postgres) {
    }

    private Owner startOwner(Path data) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                PostgresOwnerProcess.class.getName(), data.toString())
                .redirectErrorStream(true).start();
        started.add(process.toHandle());
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
            // start-up logging of the owner
        }
        assertThat(line).as("the owner process started its server").isNotNull();
        long pid = Long.parseLong(line.substring("READY ".length()).trim());
        ProcessHandle postgres = ProcessHandle.of(pid).orElseThrow();
        started.add(postgres);
        // Keep draining the owner's output so that it never blocks on a full pipe.
        Thread drain = new Thread(() -> out.lines().forEach(ignored -> { }));
        drain.setDaemon(true);
        drain.start();
        return new Owner(process, postgres);
    }
}
