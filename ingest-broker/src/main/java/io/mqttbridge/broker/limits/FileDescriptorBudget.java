package io.mqttbridge.broker.limits;

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
 * the reserve; counted by the owner's {@code refused} ({@code mqtt.limits.file-descriptors.refused},
 * {@code http.limits.file-descriptors.refused}).
 *
 * <p>The MQTT listeners and the HTTP connectors (analytics-api) each have a budget of their own, but the
 * budgets of {@link #of} share one count of the connections opened since a reading: the open count is
 * the whole process's, so a burst of HTTP connections between two readings counts against MQTT's
 * budget too, and the other way round.
 *
 * <p>Threading: {@link #tryAdmit} is called on event loops and acceptor threads, concurrently; counters
 * are atomic.
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
    /* The connections of every budget of this process's real counts, admitted and not yet released. */
    private static final AtomicInteger PROCESS_CONNECTIONS = new AtomicInteger();

    private final DescriptorCounts counts;
    private final long limit;
    private final int reserve;
    private final String clients;
    private final Runnable refused;
    private final AtomicInteger connections;
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);
    private final ChannelFutureListener release = closed -> release();
    private volatile Sample sample;
    private ScheduledExecutorService sampler;

    /* The open count read at one moment, and how many connections were open then. */
    private record Sample(long openDescriptors, int connections) {
    }

    FileDescriptorBudget(DescriptorCounts counts, int reserve, String clients, Runnable refused) {
        this(counts, reserve, clients, refused, new AtomicInteger());
    }

    private FileDescriptorBudget(DescriptorCounts counts, int reserve, String clients, Runnable refused,
                                 AtomicInteger connections) {
        this.counts = counts;
        this.reserve = reserve;
        this.limit = counts.max() - reserve;
        this.clients = clients;
        this.refused = refused;
        this.connections = connections;
        this.sample = new Sample(0, 0);
    }

    /**
     * A budget of this process, or {@code null} when {@code reserve} is 0 or the JVM cannot count its
     * descriptors (not a Unix system).
     *
     * @param clients whose connections it admits ("MQTT", "HTTP"), for the log
     * @param refused called for every connection refused, to count it
     */
    public static FileDescriptorBudget of(int reserve, String clients, Runnable refused) {
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
        }, reserve, clients, refused, PROCESS_CONNECTIONS);
    }

    /** Reads the open count now, and every {@value #SAMPLE_MILLIS} ms until {@link #stop()}. */
    public synchronized void start() {
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

    public synchronized void stop() {
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
        if (!tryAdmit()) {
            return false;
        }
        channel.closeFuture().addListener(release);
        return true;
    }

    /**
     * Counts a connection just accepted against the budget, or refuses it: the caller then closes it at
     * once. The caller calls {@link #release()} once an admitted connection closes.
     *
     * @return whether the connection may stay
     */
    public boolean tryAdmit() {
        // The accepted socket is one of the open descriptors already, so the estimate includes it.
        int now = connections.incrementAndGet();
        Sample last = sample;
        long estimate = last.openDescriptors() + now - last.connections();
        if (estimate > limit) {
            connections.decrementAndGet();
            refused.run();
            warnNowAndThen(estimate);
            return false;
        }
        return true;
    }

    /** An admitted connection closed: its descriptor is free again. */
    public void release() {
        connections.decrementAndGet();
    }

    private void warnNowAndThen(long estimate) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warn("Refusing new {} connections: about {} of the process's {} file descriptors are open, and "
                    + "the last {} are kept for Kafka, PostgreSQL and the bridge's own files "
                    + "(limits.fileDescriptorReserve); raise ulimit -n or spread the clients over more nodes",
                    clients, estimate, counts.max(), reserve);
        }
    }
}
