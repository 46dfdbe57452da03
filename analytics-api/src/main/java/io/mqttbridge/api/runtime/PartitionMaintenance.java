package io.mqttbridge.api.runtime;

import io.mqttbridge.db.Database;
import io.mqttbridge.db.PartitionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Creates the message table's future partitions and drops those past retention, hourly, on its own
 * thread (it blocks on JDBC). {@link Database#open} already ran it once at start-up.
 */
final class PartitionMaintenance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionMaintenance.class);
    private static final long INTERVAL_MINUTES = 60;

    private final ScheduledExecutorService scheduler;

    private PartitionMaintenance(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    static PartitionMaintenance start(Database database) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "partition-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        PartitionManager partitions = database.partitions();
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                LOG.info("Message partitions maintained: {}", partitions.maintain());
            } catch (RuntimeException e) {
                // PostgreSQL may be down for a while; the next run catches up.
                LOG.warn("Partition maintenance failed; retrying in {} minutes", INTERVAL_MINUTES, e);
            }
        }, INTERVAL_MINUTES, INTERVAL_MINUTES, TimeUnit.MINUTES);
        return new PartitionMaintenance(scheduler);
    }

    @Override
    public void close() throws InterruptedException {
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }
}
