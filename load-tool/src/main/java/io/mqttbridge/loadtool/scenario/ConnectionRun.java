package io.mqttbridge.loadtool.scenario;

import io.mqttbridge.loadtool.LoadOptions;
import io.mqttbridge.loadtool.Scenario;
import io.mqttbridge.loadtool.ScenarioResult;
import io.mqttbridge.loadtool.client.InboundListener;
import io.mqttbridge.loadtool.client.MqttClientConnection;
import io.mqttbridge.loadtool.client.Transport;
import io.mqttbridge.loadtool.measure.ProcessStats;
import io.mqttbridge.loadtool.measure.RateSchedule;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * The connection scenarios. A connect storm opens connections at the configured rate (at most
 * {@code --inflight} handshakes at once, spread over the source addresses) and closes each one right
 * after its CONNACK; it reports connects per second, connect latency from the scheduled time, and
 * the broker's CPU time per connect. Idle connections are opened the same way and then held open
 * for {@code --hold}; the broker's resident memory before and after gives its memory per connection.
 */
public final class ConnectionRun {

    private static final long TICK_MICROS = 1_000;
    private static final long PENDING_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final long SETTLE_MILLIS = 1_000;
    private static final int MAX_REPORTED_FAILURES = 5;

    private final LoadOptions options;
    private final Transport transport;
    private final String runId;
    private final SynchronizedHistogram latencyMicros = new SynchronizedHistogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong connected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong lastConnAckNanos = new AtomicLong();
    private final Map<String, Boolean> failureReasons = new ConcurrentHashMap<>();
    private final Queue<MqttClientConnection> held = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Void> openingDone = new CompletableFuture<>();

    public ConnectionRun(LoadOptions options, Transport transport, String runId) {
        this.options = options;
        this.transport = transport;
        this.runId = runId;
    }

    public ScenarioResult run() throws InterruptedException {
        boolean hold = options.scenario() == Scenario.IDLE_CONNECTIONS;
        ProcessStats brokerProcess = options.brokerPid() == null ? null : new ProcessStats(options.brokerPid());
        if (brokerProcess != null) {
            brokerProcess.check();
        }
        long rssBefore = brokerProcess == null ? 0 : brokerProcess.rssBytes();
        long cpuBefore = brokerProcess == null ? 0 : brokerProcess.cpuNanos();

        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long deadline = start + options.duration().toNanos();
        RateSchedule schedule = new RateSchedule(start, options.connectRate());
        Opener opener = new Opener(schedule, deadline, hold);
        EventLoop driverLoop = transport.group().next();
        ScheduledFuture<?> tick = driverLoop.scheduleAtFixedRate(opener::tick, 0, TICK_MICROS, TimeUnit.MICROSECONDS);
        try {
            openingDone.get(options.duration().toMillis() + TimeUnit.NANOSECONDS.toMillis(PENDING_TIMEOUT_NANOS) + 5_000,
                    TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            failureReasons.put("opening did not finish in time: " + e, true);
        } finally {
            tick.cancel(false);
        }
        long cpuAfterOpening = brokerProcess == null ? 0 : brokerProcess.cpuNanos();
        long openingEnded = System.nanoTime();

        Long stillOpen = null;
        long rssAfter = 0;
        if (hold) {
            long holdUntil = System.nanoTime() + options.hold().toNanos();
            TimeUnit.MILLISECONDS.sleep(Math.min(SETTLE_MILLIS, options.hold().toMillis()));
            rssAfter = brokerProcess == null ? 0 : brokerProcess.rssBytes();
            long wait = holdUntil - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            stillOpen = held.stream().filter(MqttClientConnection::isActive).count();
            if (brokerProcess != null) {
                rssAfter = Math.max(rssAfter, brokerProcess.rssBytes());
            }
            MessagingRun.disconnectAll(new ArrayList<>(held));
        }

        ScenarioResult result = new ScenarioResult();
        result.scenario = options.scenario().cliName();
        result.startedAt = Instant.now().toString();
        result.connectionsAttempted = opener.started;
        result.connected = connected.get();
        result.connectFailures = failed.get();
        long elapsed = Math.max(1, (lastConnAckNanos.get() == 0 ? openingEnded : lastConnAckNanos.get()) - start);
        result.connectsPerSecond = connected.get() / (elapsed / 1e9);
        result.connectLatencyMicros = ScenarioResult.Latency.of(latencyMicros.copy());
        result.stillOpenAfterHold = stillOpen;
        if (brokerProcess != null) {
            long cpu = cpuAfterOpening - cpuBefore;
            result.brokerPid = brokerProcess.pid();
            result.brokerCpuSeconds = cpu / 1e9;
            result.brokerCpuPercent = 100.0 * cpu / Math.max(1, openingEnded - start);
            result.brokerCpuMicrosPerConnect = connected.get() == 0 ? null : cpu / 1e3 / connected.get();
            if (hold) {
                result.brokerRssBeforeBytes = rssBefore;
                result.brokerRssAfterBytes = rssAfter;
                result.brokerRssBytesPerConnection = connected.get() == 0 ? null
                        : (double) (rssAfter - rssBefore) / connected.get();
            }
        }
        List<String> problems = new ArrayList<>();
        if (failed.get() > 0) {
            problems.add(failed.get() + " connects failed: " + String.join(" | ", failureReasons.keySet()));
        }
        if (opener.started < options.connections()) {
            problems.add("only " + opener.started + " of " + options.connections() + " connects started within --duration");
        }
        if (stillOpen != null && stillOpen < connected.get()) {
            problems.add((connected.get() - stillOpen) + " idle connections were closed during the hold");
        }
        result.problems = problems;
        result.ok = problems.isEmpty();
        return result;
    }

    /** Starts connects on the driver's event loop, as the schedule and the handshake limit allow. */
    private final class Opener {
        private final RateSchedule schedule;
        private final long deadline;
        private final boolean hold;
        private final List<InetSocketAddress> sources;
        private final InetSocketAddress broker;
        private int started;
        private long stoppedStartingAt;

        Opener(RateSchedule schedule, long deadline, boolean hold) {
            this.schedule = schedule;
            this.deadline = deadline;
            this.hold = hold;
            this.sources = options.sourceAddresses();
            this.broker = options.brokerAddress();
        }

        void tick() {
            long now = System.nanoTime();
            boolean mayStart = started < options.connections() && now < deadline;
            if (mayStart) {
                long due = Math.min(schedule.dueCount(now), options.connections());
                while (started < due && pending.get() < options.inflight()) {
                    open(started, schedule.scheduledNanos(started));
                    started++;
                }
                return;
            }
            if (stoppedStartingAt == 0) {
                stoppedStartingAt = now;
            }
            if (pending.get() == 0 || now - stoppedStartingAt > PENDING_TIMEOUT_NANOS) {
                openingDone.complete(null);
            }
        }

        private void open(int index, long scheduledNanos) {
            pending.incrementAndGet();
            MqttClientConnection.connect(transport, broker, sources.get(index % sources.size()),
                    runId + "-c-" + index, options.keepAliveSeconds(), InboundListener.IGNORE, () -> { })
                    .whenComplete((connection, error) -> {
                        long now = System.nanoTime();
                        if (error != null) {
                            failed.incrementAndGet();
                            if (failureReasons.size() < MAX_REPORTED_FAILURES) {
                                failureReasons.put(String.valueOf(error.getMessage()), true);
                            }
                        } else {
                            connected.incrementAndGet();
                            lastConnAckNanos.accumulateAndGet(now, Math::max);
                            latencyMicros.recordValue(Math.max(0, (now - scheduledNanos) / 1_000));
                            if (hold) {
                                held.add(connection);
                            } else {
                                connection.disconnect();
                            }
                        }
                        pending.decrementAndGet();
                    });
        }
    }
}
