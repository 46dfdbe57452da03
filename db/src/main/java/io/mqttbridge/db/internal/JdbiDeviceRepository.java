package io.mqttbridge.db.internal;

import io.mqttbridge.db.Device;
import io.mqttbridge.db.DeviceAlreadyExistsException;
import io.mqttbridge.db.DeviceQuery;
import io.mqttbridge.db.DeviceRepository;
import io.mqttbridge.db.NewDevice;
import io.mqttbridge.db.Page;
import io.mqttbridge.db.StorableText;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementException;

/** {@link DeviceRepository} on the {@code devices} table. */
public final class JdbiDeviceRepository implements DeviceRepository {

    private static final String COLUMNS = "id, display_name, enabled, metadata::text AS metadata, created_at, updated_at";

    private final Jdbi jdbi;

    public JdbiDeviceRepository(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public Device create(NewDevice device) {
        try {
            return jdbi.withHandle(h -> h.createQuery("INSERT INTO devices (id, display_name, enabled, metadata) "
                            + "VALUES (:id, :displayName, :enabled, CAST(:metadata AS jsonb)) RETURNING " + COLUMNS)
                    .bind("id", device.id())
                    .bind("displayName", device.displayName())
                    .bind("enabled", device.enabled())
                    .bind("metadata", Json.write(device.metadata()))
                    .map(JdbiDeviceRepository::map)
                    .one());
        } catch (StatementException e) {
            if (Sql.hasSqlState(e, Sql.UNIQUE_VIOLATION)) {
                throw new DeviceAlreadyExistsException(device.id(), e);
            }
            throw e;
        }
    }

    @Override
    public Optional<Device> find(String id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM devices WHERE id = :id")
                .bind("id", id)
                .map(JdbiDeviceRepository::map)
                .findOne());
    }

    @Override
    public Page<Device> list(DeviceQuery query) {
        List<String> where = new ArrayList<>();
        if (query.search() != null) {
            where.add("(id ILIKE :pattern ESCAPE '!' OR display_name ILIKE :pattern ESCAPE '!')");
        }
        if (query.enabled() != null) {
            where.add("enabled = :enabled");
        }
        String after = query.afterCursor() == null ? null : Cursors.decodeText(query.afterCursor());
        if (after != null) {
            where.add("id > :after");
        }
        String sql = "SELECT " + COLUMNS + " FROM devices"
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY id LIMIT :limit";
        List<Device> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bind("limit", query.limit() + 1);
            if (query.search() != null) {
                q.bind("pattern", "%" + Sql.escapeLike(query.search()) + "%");
            }
            if (query.enabled() != null) {
                q.bind("enabled", query.enabled());
            }
            if (after != null) {
                q.bind("after", after);
            }
            return q.map(JdbiDeviceRepository::map).list();
        });
        if (rows.size() <= query.limit()) {
            return new Page<>(rows, null);
        }
        List<Device> page = rows.subList(0, query.limit());
        return new Page<>(page, Cursors.encodeText(page.get(page.size() - 1).id()));
    }

    @Override
    public Optional<Device> setDisplayName(String id, String displayName) {
        Device.checkDisplayName(displayName);
        return update(id, "display_name = :value", displayName);
    }

    @Override
    public Optional<Device> setEnabled(String id, boolean enabled) {
        return update(id, "enabled = :value", enabled);
    }

    @Override
    public Optional<Device> replaceMetadata(String id, Map<String, Object> metadata) {
        StorableText.checkJson(metadata, "metadata");
        return update(id, "metadata = CAST(:value AS jsonb)", Json.write(metadata == null ? Map.of() : metadata));
    }

    @Override
    public Optional<Device> mergeMetadata(String id, Map<String, Object> metadata) {
        StorableText.checkJson(metadata, "metadata");
        return update(id, "metadata = metadata || CAST(:value AS jsonb)", Json.write(metadata == null ? Map.of() : metadata));
    }

    @Override
    public boolean delete(String id) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM devices WHERE id = :id").bind("id", id).execute()) > 0;
    }

    private Optional<Device> update(String id, String assignment, Object value) {
        return jdbi.withHandle(h -> h.createQuery("UPDATE devices SET " + assignment + ", updated_at = now() "
                        + "WHERE id = :id RETURNING " + COLUMNS)
                .bind("id", id)
                .bind("value", value)
                .map(JdbiDeviceRepository::map)
                .findOne());
    }

    private static Device map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Device(rs.getString("id"), rs.getString("display_name"), rs.getBoolean("enabled"),
                Json.readObject(rs.getString("metadata")), Sql.instant(rs, "created_at"), Sql.instant(rs, "updated_at"));
    }
}
