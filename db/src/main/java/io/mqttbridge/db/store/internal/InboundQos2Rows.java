package io.mqttbridge.db.store.internal;

import io.mqttbridge.broker.spi.SessionSnapshot.InDoubtQos2;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The sessions' inbound QoS 2 packet ids in {@code broker_session_inbound_qos2}, between PUBLISH and
 * PUBREL: handed to Kafka with an unknown outcome ("in doubt": a retransmission after a crash is
 * looked up in Kafka, with the first copy's receive time), or PUBREC sent (outcome known: a
 * retransmission is answered with PUBREC and not taken in again).
 *
 * <p>Stateless; every method runs on the caller's handle, in its transaction (the store's writer or
 * reader thread: it blocks on the database).
 */
public final class InboundQos2Rows {

    /** The packet ids of some sessions by client id; a client id without any is absent. */
    public record ByClient(Map<String, List<Integer>> received, Map<String, List<InDoubtQos2>> inDoubt) {
    }

    private InboundQos2Rows() {
    }

    /** Records each packet id as handed to Kafka at its receive time, outcome unknown. */
    public static void sending(Handle h, Collection<Map.Entry<SessionWrite.InboundQos2, SessionWrite.Sending>> ids) {
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO broker_session_inbound_qos2 (client_id, packet_id, stored_at, outcome_known,
                    received_at)
                VALUES (:client, :packetId, now(), false, :receivedAt)
                ON CONFLICT (client_id, packet_id) DO UPDATE SET stored_at = EXCLUDED.stored_at,
                    outcome_known = false, received_at = EXCLUDED.received_at""");
        for (Map.Entry<SessionWrite.InboundQos2, SessionWrite.Sending> e : ids) {
            batch.bind("client", e.getKey().clientId()).bind("packetId", e.getKey().packetId())
                    .bind("receivedAt", e.getValue().receivedAt().atOffset(ZoneOffset.UTC))
                    .add();
        }
        batch.execute();
    }

    /** Records each packet id as stored (PUBREC may be sent). */
    public static void received(Handle h, Collection<SessionWrite.InboundQos2> ids) {
        // The receive time stays: it is only needed while the outcome is unknown, but harmless after.
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO broker_session_inbound_qos2 (client_id, packet_id, stored_at)
                VALUES (:client, :packetId, now())
                ON CONFLICT (client_id, packet_id) DO UPDATE SET stored_at = EXCLUDED.stored_at,
                    outcome_known = true""");
        for (SessionWrite.InboundQos2 key : ids) {
            batch.bind("client", key.clientId()).bind("packetId", key.packetId()).add();
        }
        batch.execute();
    }

    /** Forgets each packet id (PUBREL arrived, or the flow ended with an error code). */
    public static void released(Handle h, Collection<SessionWrite.InboundQos2> ids) {
        PreparedBatch batch = h.prepareBatch(
                "DELETE FROM broker_session_inbound_qos2 WHERE client_id = :client AND packet_id = :packetId");
        for (SessionWrite.InboundQos2 key : ids) {
            batch.bind("client", key.clientId()).bind("packetId", key.packetId()).add();
        }
        batch.execute();
    }

    /** Deletes every packet id of {@code clientIds}. */
    public static void deleteAll(Handle h, List<String> clientIds) {
        h.createUpdate("DELETE FROM broker_session_inbound_qos2 WHERE client_id = ANY(:ids)")
                .bindArray("ids", String.class, clientIds)
                .execute();
    }

    /** The packet ids of {@code clientIds}, each list in packet id order. */
    public static ByClient byClient(Handle h, List<String> clientIds) {
        Map<String, List<Integer>> received = new HashMap<>();
        Map<String, List<InDoubtQos2>> inDoubt = new HashMap<>();
        h.createQuery("""
                        SELECT client_id, packet_id, outcome_known, received_at FROM broker_session_inbound_qos2
                         WHERE client_id = ANY(:ids)
                         ORDER BY client_id, packet_id""")
                .bindArray("ids", String.class, clientIds)
                .map((rs, ctx) -> rs.getBoolean("outcome_known")
                        ? Map.entry(rs.getString("client_id"), (Object) rs.getInt("packet_id"))
                        : Map.entry(rs.getString("client_id"), (Object) new InDoubtQos2(rs.getInt("packet_id"),
                                rs.getObject("received_at", OffsetDateTime.class).toInstant())))
                .forEach(e -> {
                    if (e.getValue() instanceof InDoubtQos2 flow) {
                        inDoubt.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(flow);
                    } else {
                        received.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add((Integer) e.getValue());
                    }
                });
        return new ByClient(received, inDoubt);
    }
}
