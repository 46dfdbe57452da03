package io.mqttbridge.db.history.internal;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many records of each partition are in Kafka but not yet in PostgreSQL: the end offset of the
 * partition minus the position up to which the history is stored.
 *
 * <p>The consumer loops report what they know: the stored position of each partition they own
 * (after every write, and before one, counting records held as not stored), and the end offsets
 * their fetches revealed. A refresher thread of its own asks Kafka for the end offsets every
 * {@code refreshInterval} with a consumer of its own, so the lag keeps growing while a loop is
 * blocked in a long {@code COPY} or waits for PostgreSQL; a loop alone could not report then. After
 * each refresh it tells the {@link LagAlarm}, which logs a lag past the limit or a stall.
 *
 * <p>Gauges: {@code <prefix>.lag.total} and {@code <prefix>.lag.<topic>-<partition>} for every
 * partition some loop owns. Thread-safe: loops report from their threads, gauges are read from any.
 */
public final class LagTracker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagTracker.class);

    private final MetricRegistry metrics;
    private final String prefix;
    private final Map<TopicPartition, Long> stored = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> ends = new ConcurrentHashMap<>();
    private final Supplier<Consumer<byte[], byte[]>> endOffsetReader;
    private final Duration refreshInterval;
    private final LagAlarm alarm;
    private volatile Thread refresher;
    private volatile Consumer<byte[], byte[]> reader;
    private volatile boolean closed;

    /**
     * @param endOffsetReader makes the consumer the refresher asks for end offsets (no group needed);
     *     called on the refresher thread, which closes it
     * @param alarm told the figures after each refresh, to log a lag or a stall
     */
    public LagTracker(MetricRegistry metrics, String prefix, Supplier<Consumer<byte[], byte[]>> endOffsetReader,
            Duration refreshInterval, LagAlarm alarm) {
        this.metrics = metrics;
        this.prefix = prefix;
        this.endOffsetReader = endOffsetReader;
        this.refreshInterval = refreshInterval;
        this.alarm = alarm;
        metrics.gauge(MetricRegistry.name(prefix, "lag.total"), () -> (Gauge<Long>) this::total);
    }

    /** Starts the refresher thread. */
    public synchronized void start(String threadName) {
        if (refresher != null || closed) {
            return;
        }
        Thread thread = new Thread(this::refreshLoop, threadName);
        thread.setDaemon(true);
        refresher = thread;
        thread.start();
    }

    /** A loop took over {@code tp}. */
    public void assigned(TopicPartition tp) {
        metrics.gauge(gaugeName(tp), () -> (Gauge<Long>) () -> lag(tp));
    }

    /** A loop gave up {@code tp}; whoever takes it over reports it again. */
    public void revoked(TopicPartition tp) {
        stored.remove(tp);
        ends.remove(tp);
        metrics.remove(gaugeName(tp));
    }

    /** Everything of {@code tp} before {@code offset} is stored (or skipped for good). */
    public void storedUpTo(TopicPartition tp, long offset) {
        stored.put(tp, offset);
    }

    /** The end of {@code tp} is at least {@code offset} (from a fetch or a list-offsets answer). */
    public void endAtLeast(TopicPartition tp, long offset) {
        ends.merge(tp, offset, Math::max);
    }

    /** Records not yet stored in {@code tp}, 0 if nothing is known about it. */
    public long lag(TopicPartition tp) {
        Long position = stored.get(tp);
        Long end = ends.get(tp);
        return position == null || end == null ? 0 : Math.max(0, end - position);
    }

    public long total() {
        long sum = 0;
        for (TopicPartition tp : stored.keySet()) {
            sum += lag(tp);
        }
        return sum;
    }

    /* The sum of the stored positions: it changes whenever anything is stored. */
    private long storedTotal() {
        long sum = 0;
        for (long position : stored.values()) {
            sum += position;
        }
        return sum;
    }

    private void refreshLoop() {
        Consumer<byte[], byte[]> created;
        try {
            created = endOffsetReader.get();
        } catch (RuntimeException e) {
            LOG.warn("No history lag refresher; the lag is updated by the writer threads only", e);
            return;
        }
        reader = created;
        try (Consumer<byte[], byte[]> own = created) {
            while (!closed) {
                Set<TopicPartition> owned = Set.copyOf(stored.keySet());
                if (!owned.isEmpty()) {
                    try {
                        own.endOffsets(owned, refreshInterval.multipliedBy(2).plusSeconds(1)).forEach(this::endAtLeast);
                    } catch (WakeupException e) {
                        throw e;
                    } catch (RuntimeException e) {
                        LOG.debug("Could not read end offsets for the history lag: {}", e.toString());
                    }
                    alarm.observe(total(), storedTotal());
                }
                synchronized (this) {
                    if (!closed) {
                        wait(refreshInterval.toMillis());
                    }
                }
            }
        } catch (WakeupException e) {
            // close()
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (!closed) {
                LOG.warn("The history lag refresher stopped; the lag is updated by the writer threads only", e);
            }
        }
    }

    /** Stops the refresher (the gauges stay, reading the last figures). */
    @Override
    public void close() {
        Thread thread;
        synchronized (this) {
            closed = true;
            thread = refresher;
            notifyAll();
        }
        Consumer<byte[], byte[]> current = reader;
        if (current != null) {
            current.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String gaugeName(TopicPartition tp) {
        return MetricRegistry.name(prefix, "lag." + tp.topic() + "-" + tp.partition());
    }
}
