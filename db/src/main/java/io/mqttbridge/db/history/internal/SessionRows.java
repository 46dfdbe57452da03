package io.mqttbridge.db.history.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The {@code sessions} rows of one batch of session events, written with one set-based statement
 * (arrays of columns through {@code unnest}) instead of a JDBC batch of single-row upserts: one
 * statement execution per batch on the server, a handful of array parameters instead of a dozen bound
 * arguments per event in the writer.
 *
 * <p>Threading: stateless; called on the history writer's consumer thread inside its transaction.
 */
final class SessionRows {

    /**
     * All session rows of a batch in one statement, one row per connection: a connection whose connected
     * and disconnected events are both in the batch is written complete at once. A row carries its
     * connect columns only when its connected event is in the batch ({@code connected_at} is never null
     * in one) and its disconnect columns only when its disconnected event is ({@code disconnected_at}
     * likewise), and an existing row keeps the columns the batch did not carry: the connected event
     * sets only the connect columns and {@code client_id} and {@code node_id}, the disconnected event
     * only the disconnect columns, whatever their order across batches. Timestamps travel as
     * microseconds since the epoch (rounded as the driver rounds an {@code OffsetDateTime}).
     */
    private static final String UPSERT_SESSIONS = """
            INSERT INTO sessions (connection_id, client_id, username, device_id, node_id, remote_address,
                                  protocol_version, clean_start, keep_alive, session_expiry, connected_at,
                                  disconnected_at, disconnect_reason, reason_code, will_published)
            SELECT connection_id, client_id, username, device_id, node_id, remote_address, protocol_version,
                   clean_start, keep_alive, session_expiry,
                   TIMESTAMPTZ 'epoch' + connected_micros * INTERVAL '1 microsecond',
                   TIMESTAMPTZ 'epoch' + disconnected_micros * INTERVAL '1 microsecond',
                   disconnect_reason, reason_code, will_published
              FROM unnest(?, ?, ?, ?, ?, ?,
                          CAST(? AS smallint[]), ?, ?, ?,
                          ?, ?, ?, ?, ?)
                AS row (connection_id, client_id, username, device_id, node_id, remote_address, protocol_version,
                        clean_start, keep_alive, session_expiry, connected_micros, disconnected_micros,
                        disconnect_reason, reason_code, will_published)
            ON CONFLICT (connection_id) DO UPDATE SET
                client_id = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.client_id ELSE EXCLUDED.client_id END,
                username = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.username ELSE EXCLUDED.username END,
                device_id = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.device_id ELSE EXCLUDED.device_id END,
                node_id = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.node_id ELSE EXCLUDED.node_id END,
                remote_address = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.remote_address
                                      ELSE EXCLUDED.remote_address END,
                protocol_version = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.protocol_version
                                        ELSE EXCLUDED.protocol_version END,
                clean_start = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.clean_start ELSE EXCLUDED.clean_start END,
                keep_alive = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.keep_alive ELSE EXCLUDED.keep_alive END,
                session_expiry = CASE WHEN EXCLUDED.connected_at IS NULL THEN sessions.session_expiry
                                      ELSE EXCLUDED.session_expiry END,
                connected_at = COALESCE(EXCLUDED.connected_at, sessions.connected_at),
                disconnected_at = COALESCE(EXCLUDED.disconnected_at, sessions.disconnected_at),
                disconnect_reason = CASE WHEN EXCLUDED.disconnected_at IS NULL THEN sessions.disconnect_reason
                                         ELSE EXCLUDED.disconnect_reason END,
                reason_code = CASE WHEN EXCLUDED.disconnected_at IS NULL THEN sessions.reason_code
                                   ELSE EXCLUDED.reason_code END,
                will_published = CASE WHEN EXCLUDED.disconnected_at IS NULL THEN sessions.will_published
                                      ELSE EXCLUDED.will_published END
            """;

    private SessionRows() {
    }

    /**
     * Upserts one row per connection id of {@code connected} and {@code disconnected} (at most one event
     * of each kind per connection: the caller keeps the last).
     */
    static void upsert(Handle h, Map<UUID, SessionEvent.Connected> connected,
                       Map<UUID, SessionEvent.Disconnected> disconnected) {
        if (connected.isEmpty() && disconnected.isEmpty()) {
            return;
        }
        Set<UUID> ids = new LinkedHashSet<>(connected.keySet());
        ids.addAll(disconnected.keySet());
        int n = ids.size();
        UUID[] connectionIds = new UUID[n];
        String[] clientIds = new String[n];
        String[] usernames = new String[n];
        String[] deviceIds = new String[n];
        String[] nodes = new String[n];
        String[] remoteAddresses = new String[n];
        Integer[] protocolVersions = new Integer[n];
        Boolean[] cleanStarts = new Boolean[n];
        Integer[] keepAlives = new Integer[n];
        Long[] sessionExpiries = new Long[n];
        Long[] connectedMicros = new Long[n];
        Long[] disconnectedMicros = new Long[n];
        String[] reasons = new String[n];
        Integer[] reasonCodes = new Integer[n];
        Boolean[] willsPublished = new Boolean[n];
        int i = 0;
        for (UUID id : ids) {
            connectionIds[i] = id;
            SessionEvent.Connected c = connected.get(id);
            SessionEvent.Disconnected d = disconnected.get(id);
            if (c != null) {
                clientIds[i] = c.clientId();
                usernames[i] = c.username();
                deviceIds[i] = c.deviceId();
                nodes[i] = c.node();
                remoteAddresses[i] = c.remoteAddress();
                protocolVersions[i] = c.protocolVersion();
                cleanStarts[i] = c.cleanStart();
                keepAlives[i] = c.keepAlive();
                sessionExpiries[i] = c.sessionExpiry();
                connectedMicros[i] = micros(c.connectedAt());
            } else {
                clientIds[i] = d.clientId();
                nodes[i] = d.node();
            }
            if (d != null) {
                disconnectedMicros[i] = micros(d.disconnectedAt());
                reasons[i] = d.reason();
                reasonCodes[i] = d.reasonCode();
                willsPublished[i] = d.willPublished();
            }
            i++;
        }
        // Straight on the driver: Jdbi's per-statement work (handle config, named-argument binding
        // through its argument factories) was most of a small batch's cost in a connect storm.
        Connection connection = h.getConnection();
        try (PreparedStatement statement = connection.prepareStatement(UPSERT_SESSIONS)) {
            int p = 1;
            statement.setArray(p++, connection.createArrayOf("uuid", connectionIds));
            statement.setArray(p++, connection.createArrayOf("varchar", clientIds));
            statement.setArray(p++, connection.createArrayOf("varchar", usernames));
            statement.setArray(p++, connection.createArrayOf("varchar", deviceIds));
            statement.setArray(p++, connection.createArrayOf("varchar", nodes));
            statement.setArray(p++, connection.createArrayOf("varchar", remoteAddresses));
            statement.setArray(p++, connection.createArrayOf("integer", protocolVersions));
            statement.setArray(p++, connection.createArrayOf("boolean", cleanStarts));
            statement.setArray(p++, connection.createArrayOf("integer", keepAlives));
            statement.setArray(p++, connection.createArrayOf("bigint", sessionExpiries));
            statement.setArray(p++, connection.createArrayOf("bigint", connectedMicros));
            statement.setArray(p++, connection.createArrayOf("bigint", disconnectedMicros));
            statement.setArray(p++, connection.createArrayOf("varchar", reasons));
            statement.setArray(p++, connection.createArrayOf("integer", reasonCodes));
            statement.setArray(p, connection.createArrayOf("boolean", willsPublished));
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("writing " + n + " session rows failed: " + e.getMessage(), e);
        }
    }

    /**
     * Microseconds since the epoch, rounded as the PostgreSQL driver rounds an {@code OffsetDateTime}
     * it sends (a remainder above 499 ns rounds up), so a row holds the same instant it held when the
     * writer bound each timestamp on its own.
     */
    static long micros(Instant instant) {
        int nanos = instant.getNano();
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), nanos / 1_000)
                + (nanos % 1_000 > 499 ? 1 : 0);
    }
}
