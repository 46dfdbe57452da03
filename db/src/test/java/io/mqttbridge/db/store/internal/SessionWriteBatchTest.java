package io.mqttbridge.db.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.SessionSnapshot;
import io.mqttbridge.broker.spi.SessionSnapshot.PendingMessage;
import io.mqttbridge.db.store.internal.SessionWriteBatch.Kind;
import io.mqttbridge.db.testing.TestDatabase;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link SessionWriteBatch} against the real schema: the kind of each write, and runs applied in write order. */
class SessionWriteBatchTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private static final Instant RECEIVED = Instant.parse("2026-11-26T10:15:30Z");

    private SessionWriteBatch batch;

    @BeforeEach
    void clean() {
        db.jdbi().useHandle(h -> h.execute("TRUNCATE broker_session_state, broker_session_messages, broker_session_inbound_qos2"));
        batch = new SessionWriteBatch(db.jdbi(), "node-a");
    }

    @Test
    void eachWriteIsOfTheKindItsKeyAndValueSay() {
        assertThat(SessionWriteBatch.kindOf(new SessionWrite.State("c"), snapshot("c"))).isEqualTo(Kind.SAVE);
        assertThat(SessionWriteBatch.kindOf(new SessionWrite.State("c"), null)).isEqualTo(Kind.REMOVE);
        assertThat(SessionWriteBatch.kindOf(new SessionWrite.Message("c", 1), message(1))).isEqualTo(Kind.APPEND);
        assertThat(SessionWriteBatch.kindOf(new SessionWrite.Message("c", 1), null)).isEqualTo(Kind.ACKNOWLEDGE);
        assertThat(SessionWriteBatch.kindOf(new SessionWrite.InboundQos2("c", 1), new SessionWrite.Sending(RECEIVED)))
                .isEqualTo(Kind.SENDING_QOS2);
        assertThat(SessionWriteBatch.kindOf(new SessionWrite.InboundQos2("c", 1), SessionWrite.RECEIVED))
                .isEqualTo(Kind.RECEIVED_QOS2);
        assertThat(SessionWriteBatch.kindOf(new SessionWrite.InboundQos2("c", 1), null)).isEqualTo(Kind.RELEASED_QOS2);
    }

    @Test
    void runsOfDifferentKindsAreAppliedInTheOrderOfTheirWrites() {
        Map<SessionWrite, Object> writes = new LinkedHashMap<>();
        writes.put(new SessionWrite.Message("c", 1), message(1));
        // The snapshot replaces the session's messages: the append before it goes, the one after it stays.
        writes.put(new SessionWrite.State("c"), snapshot("c"));
        writes.put(new SessionWrite.Message("c", 2), message(2));
        writes.put(new SessionWrite.InboundQos2("c", 5), new SessionWrite.Sending(RECEIVED));
        writes.put(new SessionWrite.InboundQos2("c", 6), SessionWrite.RECEIVED);

        batch.apply(writes);

        assertThat(rows("SELECT sequence::text FROM broker_session_messages WHERE client_id = 'c' ORDER BY sequence"))
                .containsExactly("2");
        assertThat(rows("SELECT node_id FROM broker_session_state WHERE client_id = 'c'")).containsExactly("node-a");
        assertThat(rows("""
                SELECT packet_id || ':' || outcome_known FROM broker_session_inbound_qos2
                 WHERE client_id = 'c' ORDER BY packet_id""")).containsExactly("5:false", "6:true");
    }

    @Test
    void acknowledgingReleasingAndRemovingDeleteTheirRows() {
        Map<SessionWrite, Object> first = new LinkedHashMap<>();
        first.put(new SessionWrite.State("c"), snapshot("c"));
        first.put(new SessionWrite.State("d"), snapshot("d"));
        first.put(new SessionWrite.Message("c", 1), message(1));
        first.put(new SessionWrite.Message("c", 2), message(2));
        first.put(new SessionWrite.InboundQos2("c", 5), SessionWrite.RECEIVED);
        first.put(new SessionWrite.InboundQos2("c", 6), SessionWrite.RECEIVED);
        first.put(new SessionWrite.Message("d", 1), message(1));
        batch.apply(first);

        Map<SessionWrite, Object> second = new LinkedHashMap<>();
        second.put(new SessionWrite.Message("c", 1), null);
        second.put(new SessionWrite.InboundQos2("c", 5), null);
        second.put(new SessionWrite.State("d"), null);
        batch.apply(second);

        assertThat(rows("SELECT client_id || ':' || sequence FROM broker_session_messages ORDER BY client_id, sequence"))
                .containsExactly("c:2");
        assertThat(rows("SELECT packet_id::text FROM broker_session_inbound_qos2 ORDER BY packet_id"))
                .containsExactly("6");
        assertThat(rows("SELECT client_id FROM broker_session_state ORDER BY client_id")).containsExactly("c");
    }

    @Test
    void interleavedWritesOfDistinctRowsGoAsOneJdbcBatchPerKind() {
        Map<SessionWrite, Object> setUp = new LinkedHashMap<>();
        setUp.put(new SessionWrite.State("c"), snapshot("c"));
        setUp.put(new SessionWrite.Message("c", 1), message(1));
        setUp.put(new SessionWrite.Message("c", 3), message(3));
        setUp.put(new SessionWrite.InboundQos2("c", 7), SessionWrite.RECEIVED);
        setUp.put(new SessionWrite.InboundQos2("c", 9), SessionWrite.RECEIVED);
        batch.apply(setUp);
        AtomicInteger executions = new AtomicInteger();
        Jdbi counted = Jdbi.create(db.database().dataSource());
        counted.setSqlLogger(new SqlLogger() {
            @Override
            public void logAfterExecution(StatementContext context) {
                executions.incrementAndGet();
            }
        });

        // How a QoS 2 message between persistent sessions interleaves them: the kind changes at every write.
        Map<SessionWrite, Object> interleaved = new LinkedHashMap<>();
        interleaved.put(new SessionWrite.Message("c", 2), message(2));
        interleaved.put(new SessionWrite.InboundQos2("c", 5), new SessionWrite.Sending(RECEIVED));
        interleaved.put(new SessionWrite.Message("c", 1), null);
        interleaved.put(new SessionWrite.InboundQos2("c", 6), SessionWrite.RECEIVED);
        interleaved.put(new SessionWrite.InboundQos2("c", 7), null);
        interleaved.put(new SessionWrite.Message("c", 4), message(4));
        interleaved.put(new SessionWrite.InboundQos2("c", 8), new SessionWrite.Sending(RECEIVED));
        interleaved.put(new SessionWrite.Message("c", 3), null);
        interleaved.put(new SessionWrite.InboundQos2("c", 10), SessionWrite.RECEIVED);
        interleaved.put(new SessionWrite.InboundQos2("c", 9), null);
        new SessionWriteBatch(counted, "node-a").apply(interleaved);

        assertThat(executions).as("one batch for each of the five kinds, not one per write").hasValue(5);
        assertThat(rows("SELECT sequence::text FROM broker_session_messages WHERE client_id = 'c' ORDER BY sequence"))
                .containsExactly("2", "4");
        assertThat(rows("""
                SELECT packet_id || ':' || outcome_known FROM broker_session_inbound_qos2
                 WHERE client_id = 'c' ORDER BY packet_id""")).containsExactly("5:false", "6:true", "8:false", "10:true");
    }

    private static List<String> rows(String sql) {
        return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(String.class).list());
    }

    private static SessionSnapshot snapshot(String clientId) {
        return new SessionSnapshot(clientId, 3600, null, List.of(), List.of(), "owner-" + clientId);
    }

    private static PendingMessage message(long sequence) {
        PublishedMessage published = new PublishedMessage("t/" + sequence, new byte[] {1}, 1, false, "p", null,
                MqttVersion.MQTT_5, RECEIVED, MessageProperties.NONE);
        return new PendingMessage(published, 1, 0, false, List.of(), sequence);
    }
}
