package io.mqttbridge.db.internal;

import io.mqttbridge.db.DatabaseConfig;
import io.mqttbridge.db.MessagePartition;
import io.mqttbridge.db.PartitionManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link PartitionManager} on PostgreSQL's declarative range partitioning. */
public final class PostgresPartitionManager implements PartitionManager {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresPartitionManager.class);
    private static final DateTimeFormatter NAME_DATE = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final String PARTITIONS_SQL = """
            SELECT c.relname AS name,
                   (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz AS range_from,
                   (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS range_to
              FROM pg_inherits i
              JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'messages'::regclass
             ORDER BY range_from
            """;

    /**
     * How long creating or dropping a partition waits for its lock on {@code messages} (both take an
     * ACCESS EXCLUSIVE lock on the parent). Behind a waiting DDL every later lock request queues, the
     * history writer's COPY and every REST read included, so a DDL waiting out a long query (an
     * export, someone's ad hoc analysis) stalled the history for that long. Partitions are made days
     * ahead: one that cannot be made now is made at the next maintenance.
     */
    static final Duration LOCK_WAIT = Duration.ofSeconds(2);
    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private final Jdbi jdbi;
    private final int intervalDays;
    private final int precreate;
    private final int retentionDays;
    private final Clock clock;
    /** Known partitions by start; only a cache, refreshed from the catalogue on a miss. */
    private final ConcurrentSkipListMap<Instant, Instant> known = new ConcurrentSkipListMap<>();

    public PostgresPartitionManager(Jdbi jdbi, DatabaseConfig config, Clock clock) {
        this.jdbi = jdbi;
        this.intervalDays = config.getPartitionIntervalDays();
        this.precreate = config.getPrecreatePartitions();
        this.retentionDays = config.getRetentionDays();
        this.clock = clock;
    }

    @Override
    public MaintenanceResult maintain() {
        List<String> created = new ArrayList<>();
        refresh();
        Instant now = clock.instant();
        try {
            for (int i = 0; i <= precreate; i++) {
                String name = create(now.plus(Duration.ofDays((long) i * intervalDays)));
                if (name != null) {
                    created.add(name);
                }
            }
        } catch (MessagesTableBusy busy) {
            LOG.warn("{}; the next maintenance makes it", busy.getMessage());
        }
        List<String> dropped = dropExpired();
        if (!created.isEmpty() || !dropped.isEmpty()) {
            LOG.info("Message partitions created {} dropped {}", created, dropped);
        }
        return new MaintenanceResult(created, dropped);
    }

    @Override
    public boolean ensurePartitionFor(Instant receivedAt) {
        if (isKnown(receivedAt)) {
            return true;
        }
        refresh();
        if (isKnown(receivedAt)) {
            return true;
        }
        Instant cutoff = retentionCutoff();
        if (cutoff != null && rangeEnd(receivedAt).compareTo(cutoff) <= 0) {
            return false;
        }
        create(receivedAt); // when the table stays busy, the write fails and is tried again
        return true;
    }

    @Override
    public Instant retentionCutoff() {
        return retentionDays == 0 ? null : clock.instant().minus(Duration.ofDays(retentionDays));
    }

    @Override
    public List<MessagePartition> partitions() {
        return jdbi.withHandle(h -> h.createQuery(PARTITIONS_SQL)
                .map((rs, ctx) -> new MessagePartition(rs.getString("name"), Sql.instant(rs, "range_from"),
                        Sql.instant(rs, "range_to")))
                .list());
    }

    private boolean isKnown(Instant t) {
        Map.Entry<Instant, Instant> floor = known.floorEntry(t);
        return floor != null && t.isBefore(floor.getValue());
    }

    private void refresh() {
        known.clear();
        for (MessagePartition p : partitions()) {
            known.put(p.from(), p.to());
        }
    }

    private Instant rangeStart(Instant t) {
        long day = Math.floorDiv(t.getEpochSecond(), 86_400L);
        return LocalDate.ofEpochDay(Math.floorDiv(day, intervalDays) * intervalDays).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private Instant rangeEnd(Instant t) {
        return rangeStart(t).plus(Duration.ofDays(intervalDays));
    }

    /**
     * @return the name of the partition created, or null if it existed
     * @throws MessagesTableBusy when {@code messages} stayed locked for {@link #LOCK_WAIT}
     */
    private String create(Instant t) {
        if (isKnown(t)) {
            return null;
        }
        Instant from = rangeStart(t);
        Instant to = rangeEnd(t);
        String name = "messages_p" + NAME_DATE.format(from.atOffset(ZoneOffset.UTC).toLocalDate());
        // DDL takes no bind parameters; every part here is computed from an Instant, never from input.
        String ddl = "CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF messages FOR VALUES FROM ('"
                + from + "') TO ('" + to + "')";
        try {
            if (!lockingMessages(ddl)) {
                throw new MessagesTableBusy("message partition " + name + " not made: the messages table stayed"
                        + " locked for " + LOCK_WAIT.toSeconds() + " s (a long query?)");
            }
        } catch (StatementException e) {
            refresh();
            if (isKnown(t)) {
                // Another process created it at the same moment.
                return null;
            }
            throw new IllegalStateException("cannot create message partition " + name + " for [" + from + ", " + to
                    + "): it overlaps an existing partition (was partitionIntervalDays changed?)", e);
        }
        boolean isNew = known.put(from, to) == null;
        return isNew ? name : null;
    }

    private List<String> dropExpired() {
        Instant cutoff = retentionCutoff();
        List<String> dropped = new ArrayList<>();
        if (cutoff == null) {
            return dropped;
        }
        for (MessagePartition p : partitions()) {
            if (p.to().compareTo(cutoff) <= 0) {
                if (!lockingMessages("DROP TABLE IF EXISTS \"" + p.name().replace("\"", "\"\"") + "\"")) {
                    LOG.warn("Expired message partition {} not dropped now: the messages table stayed locked for {} s",
                            p.name(), LOCK_WAIT.toSeconds());
                    break;
                }
                known.remove(p.from());
                dropped.add(p.name());
            }
        }
        return dropped;
    }

    /** A partition could not be made now: another transaction held {@code messages} too long. */
    static final class MessagesTableBusy extends IllegalStateException {
        MessagesTableBusy(String message) {
            super(message);
        }
    }

    /** Runs DDL that locks {@code messages}, waiting at most {@link #LOCK_WAIT}; false when it stayed locked. */
    private boolean lockingMessages(String ddl) {
        try {
            jdbi.useTransaction(h -> {
                h.execute("SET LOCAL lock_timeout = '" + LOCK_WAIT.toMillis() + "ms'");
                h.execute(ddl);
            });
            return true;
        } catch (StatementException e) {
            if (e.getCause() instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(sql.getSQLState())) {
                return false;
            }
            throw e;
        }
    }
}
