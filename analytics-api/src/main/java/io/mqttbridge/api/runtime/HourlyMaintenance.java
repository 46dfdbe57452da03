package io.mqttbridge.api.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Housekeeping that blocks on JDBC, hourly, on its own thread: creating the message table's future
 * partitions and dropping those past retention, purging expired retained messages. Each task also
 * ran once at start-up where it is owned.
 */
final class HourlyMaintenance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HourlyMaintenance.class);
    private static final long INTERVAL_MINUTES = 60;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "hourly-maintenance");
        thread.setDaemon(true);
        return thread;
    });

    /** @param tasks by name, for the log */
    HourlyMaintenance(Map<String, Runnable> tasks) {
        tasks.forEach((name, task) -> scheduler.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // PostgreSQL may be down for a while; the next run catches up.
                LOG.warn("{} failed; retrying in {} minutes", name, INTERVAL_MINUTES, e);
            }
        }, INTERVAL_MINUTES, INTERVAL_MINUTES, TimeUnit.MINUTES));
    }

    @Override
    public void close() throws InterruptedException {
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }
}
