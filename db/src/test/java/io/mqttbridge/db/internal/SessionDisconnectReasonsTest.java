package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.db.DisconnectReasonCount;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionDisconnectReasonsTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(10_000);

    @BeforeEach
    void clean() {
        db.truncateAll();
    }

    private static void session(Instant disconnectedAt, String reason) {
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO sessions (connection_id, client_id, node_id, connected_at, "
                        + "disconnected_at, disconnect_reason) VALUES (:id, 'c', 'n', :connected, :disconnected, :reason)")
                .bind("id", UUID.randomUUID())
                .bind("connected", T0.minusSeconds(60).atOffset(ZoneOffset.UTC))
                .bind("disconnected", disconnectedAt == null ? null : disconnectedAt.atOffset(ZoneOffset.UTC))
                .bind("reason", reason)
                .execute());
    }

    @Test
    void countsEndedSessionsPerReasonMostFrequentFirstIgnoringOpenOnes() {
        session(T0, "client_disconnect");
        session(T0.plusSeconds(1), "connection_lost");
        session(T0.plusSeconds(2), "connection_lost");
        session(null, null);

        assertThat(db.database().sessions().disconnectReasons(null, null)).containsExactly(
                new DisconnectReasonCount("connection_lost", 2), new DisconnectReasonCount("client_disconnect", 1));
    }

    @Test
    void timeRangeIsHalfOpenOnTheDisconnectTime() {
        session(T0, "a");
        session(T0.plusSeconds(10), "b");
        session(T0.plusSeconds(20), "c");

        assertThat(db.database().sessions().disconnectReasons(T0.plusSeconds(10), T0.plusSeconds(20)))
                .containsExactly(new DisconnectReasonCount("b", 1));
        assertThat(db.database().sessions().disconnectReasons(T0.plusSeconds(10), null))
                .extracting(DisconnectReasonCount::reason).containsExactly("b", "c");
        assertThat(db.database().sessions().disconnectReasons(null, T0.plusSeconds(10)))
                .extracting(DisconnectReasonCount::reason).containsExactly("a");
    }
}
