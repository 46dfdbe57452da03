package io.mqttbridge.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.db.store.JdbiSessionStore;
import io.mqttbridge.testing.postgres.TestPostgres;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Migration V36 on a database that V35 left with copies of one message in several sessions' rows:
 * the copies become one stored message that the rows refer to, a message held by one row stays in
 * it, and the session store reads both back.
 */
class StoredMessagesMigrationTest {

    private static final String BROADCAST = """
            {"topic": "fleet/all/reboot", "payload": "cmVib290", "qos": 1, "retain": false,
             "receivedAt": "2026-12-07T01:00:00Z"}""";
    private static final String OWN = """
            {"topic": "devices/d3/config", "payload": "b3du", "qos": 1, "retain": false,
             "receivedAt": "2026-12-07T01:00:01Z"}""";

    private String database;
    private PGSimpleDataSource dataSource;

    @BeforeEach
    void databaseAtVersion35() {
        database = TestPostgres.shared().createDatabase("v36");
        dataSource = new PGSimpleDataSource();
        dataSource.setUrl(TestPostgres.shared().jdbcUrl(database));
        dataSource.setUser(TestPostgres.shared().user());
        dataSource.setPassword(TestPostgres.shared().password());
        Flyway.configure().dataSource(dataSource).locations(DatabaseMigrator.MIGRATIONS_LOCATION).target("35").load()
                .migrate();
    }

    @AfterEach
    void drop() {
        TestPostgres.shared().dropDatabase(database);
    }

    @Test
    void copiesOfOneMessageBecomeOneStoredMessageAndEverySessionReadsItsMessagesBack() throws Exception {
        Jdbi jdbi = Jdbi.create(dataSource);
        jdbi.useHandle(h -> {
            for (String device : List.of("d1", "d2", "d3")) {
                h.createUpdate("""
                        INSERT INTO broker_session_state (node_id, client_id, session_expiry_seconds, disconnected_at,
                            subscriptions, saved_at)
                        VALUES ('node-a', :c, 3600, now(), '[]', now())""").bind("c", device).execute();
                h.createUpdate("""
                        INSERT INTO broker_session_messages (client_id, sequence, qos, packet_id, released,
                            subscription_ids, message, stored_at)
                        VALUES (:c, 1, 1, 0, false, '{}', CAST(:m AS jsonb), now())""")
                        .bind("c", device).bind("m", BROADCAST).execute();
            }
            h.createUpdate("""
                    INSERT INTO broker_session_messages (client_id, sequence, qos, packet_id, released,
                        subscription_ids, message, stored_at)
                    VALUES ('d3', 2, 1, 0, false, '{}', CAST(:m AS jsonb), now())""").bind("m", OWN).execute();
            h.createUpdate("""
                    INSERT INTO broker_recovery_messages (dead_node, round, client_id, sequence, qos, packet_id,
                        released, subscription_ids, message, shared_group, stored_at)
                    VALUES ('node-x', 'x1', 'm1', 1, 1, 0, false, '{}', CAST(:m AS jsonb), '$share/g/fleet/#', now())""")
                    .bind("m", BROADCAST).execute();
        });

        assertThat(new DatabaseMigrator(dataSource).migrate()).isEqualTo("36");

        List<String> rows = jdbi.withHandle(h -> h.createQuery("""
                SELECT client_id || ':' || sequence || ':' || CASE WHEN message IS NULL THEN 'stored' ELSE 'own' END
                  FROM (SELECT client_id, sequence, message FROM broker_session_messages
                        UNION ALL SELECT client_id, sequence, message FROM broker_recovery_messages) r
                 ORDER BY 1""").mapTo(String.class).list());
        assertThat(rows).containsExactly("d1:1:stored", "d2:1:stored", "d3:1:stored", "d3:2:own", "m1:1:stored");
        long stored = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM broker_stored_messages")
                .mapTo(Long.class).one());
        assertThat(stored).isEqualTo(1);

        try (JdbiSessionStore store = new JdbiSessionStore(jdbi, "node-a")) {
            SessionSnapshot d3 = store.load("d3").get(30, TimeUnit.SECONDS).orElseThrow();
            assertThat(d3.pending()).extracting(p -> p.message().topic())
                    .containsExactly("fleet/all/reboot", "devices/d3/config");
            assertThat(new String(d3.pending().get(0).message().payload())).isEqualTo("reboot");
            List<PendingMessage> taken = store.takeSharedMessages("node-x", java.util.Set.of(), "x2")
                    .get(30, TimeUnit.SECONDS).stream().map(m -> m.message()).toList();
            assertThat(taken).extracting(p -> p.message().topic()).containsExactly("fleet/all/reboot");
        }
    }
}
