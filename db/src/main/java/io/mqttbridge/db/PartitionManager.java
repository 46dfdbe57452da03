package io.mqttbridge.db;

import java.time.Instant;
import java.util.List;

/**
 * Keeps the time partitions of the messages table: creates them ahead of time and on demand, and
 * drops whole partitions once all their rows are older than the retention.
 *
 * <p>Partitions are {@code partitionIntervalDays} long, aligned on UTC days since the epoch, and
 * named {@code messages_pYYYYMMDD} after their first day. Changing the interval on a database that
 * already has partitions is refused when a new partition would overlap an old one.
 *
 * <p>Threading: thread-safe, also across processes (creation tolerates a concurrent creator);
 * blocks on JDBC. Call {@link #maintain()} periodically (hourly is plenty) from a worker thread.
 */
public interface PartitionManager {

    /**
     * Creates the partitions from now to {@code precreatePartitions} ahead, and drops expired ones;
     * what a busy {@code messages} table keeps it from doing now is left for its next run.
     */
    MaintenanceResult maintain();

    /**
     * Makes sure a partition exists that can hold a row received at {@code receivedAt}.
     *
     * @return {@code false} if the time is past the retention and no partition holds it any more:
     *     such a row would be dropped at once, so it is not to be written
     * @throws IllegalStateException if the partition would overlap an existing one (the interval
     *     was changed), or when {@code messages} stayed locked by another transaction for two seconds
     *     (the caller tries again later; a waiting DDL would hold up every writer behind it)
     */
    boolean ensurePartitionFor(Instant receivedAt);

    /**
     * The moment before which rows are past the retention and may be skipped or dropped, or
     * {@code null} when messages are kept for ever.
     */
    Instant retentionCutoff();

    /** The existing partitions, oldest first. */
    List<MessagePartition> partitions();

    /** What one {@link #maintain()} did. */
    record MaintenanceResult(List<String> created, List<String> dropped) {
        public MaintenanceResult {
            created = List.copyOf(created);
            dropped = List.copyOf(dropped);
        }
    }
}
