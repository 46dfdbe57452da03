package io.mqttbridge.api.disk;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.mqttbridge.api.config.DiskGuardConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the free space of the file systems the embedded Kafka and PostgreSQL write to, and says when
 * the bridge must stop taking new messages: below {@code diskGuard.minFreeBytes} on any of them. A
 * full disk is worse than a refusal: the embedded Kafka halts the whole process when its log directory
 * fails, and PostgreSQL refuses every write. Refusing starts below the limit and ends once a tenth more
 * than the limit is free again, so a disk hovering at the limit does not flip the state at every check.
 *
 * <p>A timer thread reads the space every {@code checkIntervalMillis}; {@link #isRefusing()} is a
 * volatile read, cheap enough for every PUBLISH.
 */
public final class DiskSpaceGuard implements AutoCloseable {

    /** The usable bytes of the file system holding a directory; {@link #FILE_SYSTEM} in production. */
    @FunctionalInterface
    public interface UsableSpace {
        long of(Path directory) throws IOException;
    }

    /**
     * The file system's figure for the directory, or for its nearest existing parent: a store's directory
     * may not be made yet (Kafka makes its log directory at start), and its parent is on the same disk.
     */
    public static final UsableSpace FILE_SYSTEM = directory ->
            Files.getFileStore(nearestExisting(directory)).getUsableSpace();

    /** The least free space among the watched directories at the last check, and what it decided. */
    public record Reading(Path directory, long usableBytes, boolean refusing) {
    }

    public static final String METRIC_PREFIX = "disk-guard";

    private static final Logger LOG = LoggerFactory.getLogger(DiskSpaceGuard.class);

    private final List<Path> directories;
    private final long minFreeBytes;
    private final long resumeFreeBytes;
    private final UsableSpace usableSpace;
    private volatile Reading last;
    private ScheduledExecutorService timer;

    /**
     * A guard that reads the space only when {@link #check()} is called.
     *
     * @param directories where the embedded stores write (each, or its nearest existing parent, is read)
     * @param minFreeBytes refuse below this many free bytes on any of them
     */
    public DiskSpaceGuard(List<Path> directories, long minFreeBytes, UsableSpace usableSpace) {
        if (directories.isEmpty()) {
            throw new IllegalArgumentException("no directory to watch");
        }
        if (minFreeBytes <= 0) {
            throw new IllegalArgumentException("minFreeBytes must be positive: " + minFreeBytes);
        }
        this.directories = List.copyOf(directories);
        this.minFreeBytes = minFreeBytes;
        this.resumeFreeBytes = minFreeBytes + minFreeBytes / 10;
        this.usableSpace = usableSpace;
        this.last = new Reading(directories.get(0), Long.MAX_VALUE, false);
    }

    /**
     * Reads the space once (so a disk already too full refuses from the first message on), registers
     * the {@value #METRIC_PREFIX} gauges and checks again every {@code checkIntervalMillis}.
     */
    public static DiskSpaceGuard start(List<Path> directories, DiskGuardConfig config, MetricRegistry metrics) {
        DiskSpaceGuard guard = new DiskSpaceGuard(directories, config.getMinFreeBytes(), FILE_SYSTEM);
        guard.check();
        metrics.register(METRIC_PREFIX + ".usable-bytes", (Gauge<Long>) () -> guard.lastReading().usableBytes());
        metrics.register(METRIC_PREFIX + ".refusing", (Gauge<Integer>) () -> guard.isRefusing() ? 1 : 0);
        guard.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "disk-space-guard");
            thread.setDaemon(true);
            return thread;
        });
        guard.timer.scheduleWithFixedDelay(guard::check, config.getCheckIntervalMillis(),
                config.getCheckIntervalMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Disk space guard: new messages are refused below {} free on {}", Bytes.of(guard.minFreeBytes),
                directories);
        return guard;
    }

    /** Reads every directory's free space and decides; logs when the decision changes. */
    public Reading check() {
        Path lowest = null;
        long lowestBytes = Long.MAX_VALUE;
        for (Path directory : directories) {
            try {
                long usable = usableSpace.of(directory);
                if (usable < lowestBytes) {
                    lowest = directory;
                    lowestBytes = usable;
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("Could not read the free space of {}; the last decision stands", directory, e);
            }
        }
        if (lowest == null) {
            return last;
        }
        boolean wasRefusing = last.refusing();
        boolean refusing = wasRefusing ? lowestBytes < resumeFreeBytes : lowestBytes < minFreeBytes;
        Reading reading = new Reading(lowest, lowestBytes, refusing);
        last = reading;
        if (refusing && !wasRefusing) {
            LOG.error("Only {} free on the file system of {} (diskGuard.minFreeBytes: {}): refusing new messages "
                    + "until {} are free", Bytes.of(lowestBytes), lowest, Bytes.of(minFreeBytes), Bytes.of(resumeFreeBytes));
        } else if (!refusing && wasRefusing) {
            LOG.warn("{} free on the file system of {} again: accepting new messages", Bytes.of(lowestBytes), lowest);
        }
        return reading;
    }

    /** Whether new messages must be refused, as of the last check. */
    public boolean isRefusing() {
        return last.refusing();
    }

    public Reading lastReading() {
        return last;
    }

    public long minFreeBytes() {
        return minFreeBytes;
    }

    /** The free space at which a refusing guard accepts again: the limit and a tenth of it. */
    public long resumeFreeBytes() {
        return resumeFreeBytes;
    }

    public List<Path> directories() {
        return directories;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private static Path nearestExisting(Path directory) {
        Path candidate = directory.toAbsolutePath();
        while (candidate != null && !Files.exists(candidate)) {
            candidate = candidate.getParent();
        }
        return candidate == null ? directory : candidate;
    }

    @Override
    public String toString() {
        return "DiskSpaceGuard" + directories;
    }
}
