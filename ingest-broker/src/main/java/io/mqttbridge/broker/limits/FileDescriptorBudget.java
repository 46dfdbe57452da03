package io.mqttbridge.broker.limits;

import io.mqttbridge.broker.metrics.LimitMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps client connections from taking the process's last file descriptors
 * ({@code limits.fileDescriptorReserve}). Every socket is one, and so is every file the embedded Kafka
 * and PostgreSQL clients open: without a reserve, anyone able to open TCP connections could use them
 * all, and the next Kafka log segment, producer connection or PostgreSQL connection would fail with
 * "Too many open files" (a failed log segment halts the embedded Kafka, and with it the process).
 *
 * <p>The open count is read from the operating system every {@value #SAMPLE_MILLIS} ms on a thread of
 * its own (reading it lists {@code /proc/self/fd}: too slow for every accept), and the connections
 * opened and closed since are added to it, so a burst between two readings is counted exactly. A new
 * connection is closed at once, before it costs anything else, when the estimate reaches the limit less
 * the reserve; counted in {@code mqtt.limits.file-descriptors.refused}.
 *
 * <p>Threading: {@link #tryAdmit} is called on event loops, concurrently; counters are atomic.
 */
public final class FileDescriptorBudget {

    /** The operating system's figures for this process. */
    public interface DescriptorCounts {
        long open();

        long max();
    }

    static final long SAMPLE_MILLIS = 250;
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Logger LOG = LoggerFactory.getLogger(FileDescriptorBudget.class);

    private final DescriptorCounts counts;
    private final long limit;
    private final int reserve;
    private final LimitMetrics metrics;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
    private final ChannelFutureListener release = closed -> connections.decrementAndGet();
    private volatile Sample sample;
    private ScheduledExecutorService sampler;

    /* The open count read at one moment, and how many connections were open then. */
    private record Sample(long openDescriptors, int connections) {
    }

    FileDescriptorBudget(DescriptorCounts counts, int reserve, LimitMetrics metrics) {
        this.counts = counts;
        this.reserve = reserve;
        this.limit = counts.max() - reserve;
        this.metrics = metrics;
        this.sample = new Sample(0, 0);
    }

    /**
     * The budget of this process, or {@code null} when {@code reserve} is 0 or the JVM cannot count its
     * descriptors (not a Unix system).
     */
    static FileDescriptorBudget of(int reserve, LimitMetrics metrics) {
        if (reserve <= 0) {
            return null;
        }
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof com.sun.management.UnixOperatingSystemMXBean unix)) {
            LOG.warn("limits.fileDescriptorReserve: this JVM cannot count its file descriptors; not enforced");
            return null;
        }
        return new FileDescriptorBudget(new DescriptorCounts() {
            @Override
            public long open() {
                return unix.getOpenFileDescriptorCount();
            }

            @Override
            public long max() {
                return unix.getMaxFileDescriptorCount();
            }
        }, reserve, metrics);
    }

    /** Reads the open count now, and every {@value #SAMPLE_MILLIS} ms until {@link #stop()}. */
    synchronized void start() {
        if (sampler != null) {
            return;
        }
        resample();
        sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "file-descriptor-budget");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleWithFixedDelay(this::resample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        if (limit < 1_000) {
            LOG.warn("Only {} file descriptors ({} less limits.fileDescriptorReserve {}) for connections and "
                    + "everything else: raise the process's open-files limit (ulimit -n)", limit, counts.max(), reserve);
        }
    }

    synchronized void stop() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
    }

    void resample() {
        try {
            int before = connections.get();
            sample = new Sample(counts.open(), before);
        } catch (RuntimeException e) {
            LOG.warn("Could not count the open file descriptors; the last count stands", e);
        }
    }

    /** The descriptors in use now, as far as this budget can tell. */
    public long estimatedOpen() {
        Sample last = sample;
        return last.openDescriptors() + connections.get() - last.connections();
    }

    /**
     * Counts {@code channel} (a connection just accepted) against the budget until it closes, or refuses
     * it: the caller then closes it at once.
     *
     * @return whether the connection may stay
     */
    public boolean tryAdmit(Channel channel) {
        // The accepted socket is one of the open descriptors already, so the estimate includes it.
        int now = connections.incrementAndGet();
        Sample last = sample;
        long estimate = last.openDescriptors() + now - last.connections();
        if (estimate > limit) {
            connections.decrementAndGet();
            metrics.fileDescriptorsRefused();
            warnNowAndThen(estimate);
            return false;
        }
        channel.closeFuture().addListener(release);
        return true;
    }

    private void warnNowAndThen(long estimate) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warn("Refusing new connections: about {} of the process's {} file descriptors are open, and the last "
                    + "{} are kept for Kafka, PostgreSQL and the broker's own files (limits.fileDescriptorReserve); "
                    + "raise ulimit -n or spread the clients over more nodes", estimate, counts.max(), reserve);
        }
    }
}
