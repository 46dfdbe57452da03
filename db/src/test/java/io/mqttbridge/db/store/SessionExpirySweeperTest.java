package io.mqttbridge.db.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.broker.spi.WriteSpan;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionExpirySweeperTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private JdbiSessionStore nodeA;
    private JdbiSessionStore nodeB;

    @BeforeEach
    void setUp() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE broker_session_state, broker_session_messages, broker_session_inbound_qos2, "
                + "broker_recovery_messages, broker_stored_messages"));
        nodeA = new JdbiSessionStore(db.jdbi(), "node-a");
        nodeB = new JdbiSessionStore(db.jdbi(), "node-b");
    }

    @AfterEach
    void tearDown() {
        nodeA.close();
        nodeB.close();
    }

    private static SessionSnapshot offline(String clientId, long expirySeconds, Duration offlineFor) {
        return new SessionSnapshot(clientId, expirySeconds, Instant.now().minus(offlineFor), List.of(), List.of());
    }

    private void save(JdbiSessionStore store, SessionSnapshot snapshot) throws Exception {
        store.save(snapshot);
        store.append(snapshot.clientId(), JdbiSessionStoreTest.message(snapshot.clientId(), 1));
        store.receivedQos2(snapshot.clientId(), 1).get(10, TimeUnit.SECONDS);
    }

    private List<String> storedClients() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT client_id FROM broker_session_state ORDER BY client_id")
                .mapTo(String.class).list());
    }

    private List<String> clientsWithMessages() {
        return db.jdbi().withHandle(h -> h.createQuery(
                "SELECT DISTINCT client_id FROM broker_session_messages ORDER BY client_id").mapTo(String.class).list());
    }

    private List<String> clientsWithInboundQos2() {
        return db.jdbi().withHandle(h -> h.createQuery(
                "SELECT DISTINCT client_id FROM broker_session_inbound_qos2 ORDER BY client_id").mapTo(String.class).list());
    }

    @Test
    void aStoredMessageOnlyExpiredSessionsHeldGoesWithThemAndOneAnotherSessionHoldsStays() throws Exception {
        PublishedMessage onlyExpired = JdbiSessionStoreTest.message("x", 1).message();
        PublishedMessage alsoKept = JdbiSessionStoreTest.message("y", 1).message();
        for (String id : List.of("expired-1", "expired-2", "kept")) {
            nodeA.save(offline(id, id.startsWith("expired") ? 60 : 3600, Duration.ofMinutes(5)));
        }
        try (WriteSpan together = nodeA.openSpan()) {
            nodeA.append("expired-1", new PendingMessage(onlyExpired, 1, 0, false, List.of(), 1));
            nodeA.append("expired-2", new PendingMessage(onlyExpired, 1, 0, false, List.of(), 1));
            nodeA.append("expired-1", new PendingMessage(alsoKept, 1, 0, false, List.of(), 2));
            nodeA.append("kept", new PendingMessage(alsoKept, 1, 0, false, List.of(), 1));
        }
        nodeA.acknowledge("nobody", 1).get(10, TimeUnit.SECONDS);
        assertThat(storedMessageTopics()).containsExactlyInAnyOrder(onlyExpired.topic(), alsoKept.topic());

        assertThat(new SessionExpirySweeper(db.jdbi()).sweep()).isEqualTo(2);

        assertThat(storedMessageTopics()).containsExactly(alsoKept.topic());
        assertThat(new SessionExpirySweeper(db.jdbi()).sweepOrphanedMessages()).isZero();
    }

    private List<String> storedMessageTopics() {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT message ->> 'topic' FROM broker_stored_messages")
                .mapTo(String.class).list());
    }

    @Test
    void deletesExpiredOfflineSessionsOfEveryNodeWithTheirMessagesAndNothingElse() throws Exception {
        save(nodeA, offline("expired-a", 60, Duration.ofMinutes(5)));
        save(nodeB, offline("expired-b", 60, Duration.ofMinutes(5)));
        save(nodeA, offline("not-yet", 3600, Duration.ofMinutes(5)));
        save(nodeA, offline("never", ConnectionInfo.SESSION_NEVER_EXPIRES, Duration.ofDays(400)));
        save(nodeB, new SessionSnapshot("online", 1, null, List.of(), List.of()));

        int deleted = new SessionExpirySweeper(db.jdbi()).sweep();

        assertThat(deleted).isEqualTo(2);
        assertThat(storedClients()).containsExactly("never", "not-yet", "online");
        assertThat(clientsWithMessages()).containsExactly("never", "not-yet", "online");
        assertThat(clientsWithInboundQos2()).containsExactly("never", "not-yet", "online");
    }

    @Test
    void twoSweepersDeleteEachSessionOnce() throws Exception {
        save(nodeA, offline("expired", 1, Duration.ofMinutes(1)));

        assertThat(new SessionExpirySweeper(db.jdbi()).sweep()).isEqualTo(1);
        assertThat(new SessionExpirySweeper(db.jdbi()).sweep()).isZero();
    }

    @Test
    void startedSweeperSweepsOnItsOwn() throws Exception {
        save(nodeA, offline("expired", 1, Duration.ofMinutes(1)));

        try (SessionExpirySweeper sweeper = SessionExpirySweeper.start(db.jdbi(), Duration.ofMillis(100))) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> storedClients().isEmpty());
        }
    }

    @Test
    void nonPositiveIntervalIsRefused() {
        assertThatThrownBy(() -> SessionExpirySweeper.start(db.jdbi(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
    }
}
