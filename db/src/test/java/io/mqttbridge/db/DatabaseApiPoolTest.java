package io.mqttbridge.db;

import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.statement.StatementException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The REST API's own pool ({@link Database#forApi()}): slow dashboard queries holding every one of its
 * connections leave the main pool, which the broker's stores and the history writer use, free; and
 * an API statement ends after {@code apiStatementTimeoutSeconds}, a main-pool one does not.
 */
class DatabaseApiPoolTest {

    @TempDir
    static Path directory;
    static Database database;

    @BeforeAll
    static void open() {
        database = Database.open(new DatabaseConfig().setEmbeddedDataDirectory(directory.resolve("pg").toString())
                .setPoolSize(2).setApiPoolSize(2).setApiStatementTimeoutSeconds(2).setConnectionTimeoutMillis(1_000));
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void dashboardQueriesHoldingEveryApiConnectionLeaveTheMainPoolFree() throws Exception {
        List<CompletableFuture<Void>> slowQueries = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            slowQueries.add(CompletableFuture.runAsync(() -> database.forApi().jdbi()
                    .useHandle(h -> h.execute("SELECT pg_sleep(1.5)"))));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> sleepingApiSessions() == 2);

        long start = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            int one = database.jdbi().withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
            assertThat(one).isOne();
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("the main pool did not wait")
                .isLessThan(500);
        assertThatThrownBy(() -> database.forApi().jdbi().withHandle(h -> h.execute("SELECT 1")))
                .as("a third API query waits for the pool's connection time-out").isInstanceOf(ConnectionException.class);
        CompletableFuture.allOf(slowQueries.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void anApiStatementEndsAfterTheApiTimeoutAndAMainPoolStatementRunsOn() {
        assertThatThrownBy(() -> database.forApi().jdbi().useHandle(h -> h.execute("SELECT pg_sleep(5)")))
                .isInstanceOf(StatementException.class)
                .satisfies(e -> assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("57014"));
        database.jdbi().useHandle(h -> h.execute("SELECT pg_sleep(2.5)"));
    }

    private static long sleepingApiSessions() {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM pg_stat_activity"
                + " WHERE application_name = 'mqtt-kafka-bridge api' AND query LIKE 'SELECT pg_sleep%' AND state = 'active'")
                .mapTo(Long.class).one());
    }
}
