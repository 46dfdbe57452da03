package io.mqttbridge.loadtool.scenario;

import io.mqttbridge.loadtool.LoadOptions;
import io.mqttbridge.loadtool.ScenarioResult;
import io.mqttbridge.loadtool.client.InboundListener;
import io.mqttbridge.loadtool.client.MqttClientConnection;
import io.mqttbridge.loadtool.client.Transport;
import io.mqttbridge.loadtool.measure.ProcessStats;
import io.mqttbridge.loadtool.measure.RateSchedule;
import io.mqttbridge.loadtool.measure.SequenceTracker;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Runs a fan-in, one-to-one or fan-out scenario: connects and subscribes the subscribers, connects
 * the publishers, publishes for the configured duration, waits for the messages still on their way
 * (bounded by the drain timeout), disconnects everyone and reports. Single use.
 */
public final class MessagingRun {

    private static final long SETUP_TIMEOUT_SECONDS = 30;
    private static final long START_DELAY_MILLIS = 100;
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int MAX_LOSS_DETAILS = 3;

    private final LoadOptions options;
    private final Transport transport;
    private final String runId;
    private final Topology topology;
    private final MqttQoS qos;
    private final InetSocketAddress broker;
    private final InetSocketAddress subscriberBroker;
    private static final long CROSS_NODE_SETTLE_MILLIS = 2_000;
    private final List<InetSocketAddress> sources;
    private final AtomicLongArray progress;
    private final ProcessStats brokerProcess;
    private final List<SubscriberStats> stats = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    /** When publishing starts, when the measured window starts, and when publishing ends (nanoTime). */
    private record Plan(long start, long measureStart, long end) {
    }

    /** What the subscribers saw, summed over all of them. */
    private static final class Tally {
        final Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        long received;
        long receivedInWindow;
        long expected;
        long lost;
        long duplicates;
        long outOfOrder;
        long unknown;
        final List<String> lossDetails = new ArrayList<>();
    }

    public MessagingRun(LoadOptions options, Transport transport, String runId) {
        this.options = options;
        this.transport = transport;
        this.runId = runId;
        this.topology = Topology.of(options.scenario(), options.publishers(), options.subscribers(), "loadtool/" + runId);
        this.qos = MqttQoS.valueOf(options.qos());
        this.broker = options.brokerAddress();
        this.subscriberBroker = options.subscriberAddress();
        this.sources = options.sourceAddresses();
        this.progress = new AtomicLongArray(topology.subscribers() * topology.publishers());
        this.brokerProcess = options.brokerPid() == null ? null : new ProcessStats(options.brokerPid());
    }

    public ScenarioResult run() throws InterruptedException {
        List<MqttClientConnection> subscribers = connectSubscribers();
        List<AtomicReference<PublisherPump>> pumpRefs = new ArrayList<>();
        List<MqttClientConnection> publishers = connectPublishers(pumpRefs);

        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_DELAY_MILLIS);
        Plan plan = new Plan(start, start + options.warmup().toNanos(), start + options.duration().toNanos());
        stats.forEach(s -> s.measureBetween(plan.measureStart(), plan.end()));
        List<PublisherPump> pumps = startPumps(publishers, pumpRefs, plan);

        sleepUntil(plan.measureStart());
        long cpuAtMeasureStart = brokerProcess == null ? 0 : brokerProcess.cpuNanos();
        long measuredFrom = System.nanoTime();
        awaitPublishing(pumps);
        long cpuAtEnd = brokerProcess == null ? 0 : brokerProcess.cpuNanos();
        long measuredTo = System.nanoTime();

        long[] sent = new long[pumps.size()];
        long sentInWindow = 0;
        long stalls = 0;
        for (int p = 0; p < pumps.size(); p++) {
            PublisherPump pump = pumps.get(p);
            long[] counts = onLoop(pump.connection(), () -> new long[] {pump.sent(), pump.sentInWindow(), pump.stalls()});
            sent[p] = counts[0];
            sentInWindow += counts[1];
            stalls += counts[2];
        }
        drain(sent, publishers);
        long[] acks = acknowledgements(publishers);
        checkConnections(publishers, subscribers);
        disconnectAll(publishers);
        disconnectAll(subscribers);
        Tally tally = tally(subscribers, sent);

        ScenarioResult result = new ScenarioResult();
        result.scenario = options.scenario().cliName();
        result.qos = options.qos();
        result.publishers = topology.publishers();
        result.subscribers = topology.subscribers();
        result.targetRate = options.rate();
        result.inflight = options.inflight();
        result.payloadBytes = options.payloadSize();
        double seconds = (plan.end() - plan.measureStart()) / 1e9;
        result.measuredSeconds = seconds;
        result.sent = sum(sent);
        result.acknowledged = options.qos() == 0 ? null : acks[0];
        result.expected = tally.expected;
        result.received = tally.received;
        result.lost = tally.lost;
        result.duplicates = tally.duplicates;
        result.outOfOrder = tally.outOfOrder;
        result.windowStalls = stalls;
        result.publishRate = sentInWindow / seconds;
        result.throughput = tally.receivedInWindow / seconds;
        result.latencyMicros = ScenarioResult.Latency.of(tally.latency);
        if (brokerProcess != null) {
            result.brokerPid = brokerProcess.pid();
            result.brokerCpuSeconds = (cpuAtEnd - cpuAtMeasureStart) / 1e9;
            result.brokerCpuPercent = 100.0 * (cpuAtEnd - cpuAtMeasureStart) / Math.max(1, measuredTo - measuredFrom);
            result.brokerRssAfterBytes = brokerProcess.rssBytes();
        }
        judge(tally, acks[1]);
        result.problems = List.copyOf(problems);
        result.ok = problems.isEmpty();
        return result;
    }

    private List<MqttClientConnection> connectSubscribers() {
        List<CompletableFuture<MqttClientConnection>> futures = new ArrayList<>();
        for (int s = 0; s < topology.subscribers(); s++) {
            SubscriberStats subscriber = new SubscriberStats(s, topology.publishers(), progress);
            stats.add(subscriber);
            futures.add(MqttClientConnection.connect(transport, subscriberBroker, sources.get(s % sources.size()),
                    runId + "-sub-" + s, !options.persistentSubscribers(), options.keepAliveSeconds(), subscriber,
                    () -> { }));
        }
        List<MqttClientConnection> subscribers = await(futures, "connecting subscribers");
        List<CompletableFuture<Integer>> subAcks = new ArrayList<>();
        for (int s = 0; s < subscribers.size(); s++) {
            subAcks.add(subscribers.get(s).subscribe(topology.subscribeFilter(s), qos));
        }
        for (int granted : await(subAcks, "subscribing")) {
            if (granted != options.qos()) {
                problems.add("broker granted QoS " + granted + " for a QoS " + options.qos() + " subscription");
                break;
            }
        }
        if (!subscriberBroker.equals(broker)) {
            // Another node of a cluster learns of these subscriptions asynchronously (a Kafka topic):
            // without this pause the first messages could be published before it knows.
            try {
                Thread.sleep(CROSS_NODE_SETTLE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return subscribers;
    }

    /** The pumps do not exist yet when the connections are made: each connection finds its pump through a reference. */
    private List<MqttClientConnection> connectPublishers(List<AtomicReference<PublisherPump>> pumpRefs) {
        List<CompletableFuture<MqttClientConnection>> futures = new ArrayList<>();
        for (int p = 0; p < topology.publishers(); p++) {
            AtomicReference<PublisherPump> ref = new AtomicReference<>();
            pumpRefs.add(ref);
            futures.add(MqttClientConnection.connect(transport, broker,
                    sources.get((topology.subscribers() + p) % sources.size()), runId + "-pub-" + p,
                    !options.persistentPublishers(), options.keepAliveSeconds(), InboundListener.IGNORE, () -> {
                        PublisherPump pump = ref.get();
                        if (pump != null) {
                            pump.pump();
                        }
                    }));
        }
        return await(futures, "connecting publishers");
    }

    private List<PublisherPump> startPumps(List<MqttClientConnection> publishers,
                                           List<AtomicReference<PublisherPump>> pumpRefs, Plan plan) {
        double ratePerPublisher = options.rate() / topology.publishers();
        List<PublisherPump> pumps = new ArrayList<>();
        for (int p = 0; p < publishers.size(); p++) {
            // Stagger fixed-rate publishers across one interval so that they do not send in bursts together.
            long publisherStart = plan.start() + (options.rate() > 0 ? (long) (p * 1e9 / options.rate()) : 0);
            RateSchedule schedule = options.rate() > 0 ? new RateSchedule(publisherStart, ratePerPublisher) : null;
            int[] subscribersOfP = topology.subscribersOf(p);
            int[] slots = new int[subscribersOfP.length];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = SubscriberStats.progressSlot(subscribersOfP[i], p, topology.publishers());
            }
            PublisherPump pump = new PublisherPump(p, publishers.get(p), topology.publishTopic(p), qos,
                    options.payloadSize(), options.inflight(), options.maxMessages(), schedule, publisherStart,
                    plan.end(), plan.measureStart(), progress, slots);
            pumpRefs.get(p).set(pump);
            pumps.add(pump);
        }
        pumps.forEach(PublisherPump::start);
        return pumps;
    }

    private void awaitPublishing(List<PublisherPump> pumps) throws InterruptedException {
        CompletableFuture<?>[] finished = pumps.stream().map(PublisherPump::finished).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(finished).get(options.duration().toSeconds() + SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            problems.add("publishers did not stop in time");
            pumps.forEach(PublisherPump::stop);
        }
    }

    /**
     * Waits until every stream has received everything that was sent and every publish is
     * acknowledged, until nothing has moved for {@link #QUIET_NANOS}, or until the drain timeout.
     */
    private void drain(long[] sent, List<MqttClientConnection> publishers) throws InterruptedException {
        long deadline = System.nanoTime() + options.drainTimeout().toNanos();
        long lastSignature = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            boolean caughtUp = true;
            long signature = 0;
            for (int p = 0; p < sent.length; p++) {
                for (int s : topology.subscribersOf(p)) {
                    long next = progress.get(SubscriberStats.progressSlot(s, p, topology.publishers()));
                    signature += next;
                    caughtUp &= next >= sent[p];
                }
            }
            long[] acks = acknowledgements(publishers);
            signature += acks[0];
            caughtUp &= acks[1] == 0;
            if (caughtUp) {
                return;
            }
            long now = System.nanoTime();
            if (signature != lastSignature) {
                lastSignature = signature;
                lastChange = now;
            } else if (now - lastChange > QUIET_NANOS) {
                return;
            }
            Thread.sleep(10);
        }
    }

    /** @return acknowledged and still unacknowledged QoS 1/2 publishes over all publishers */
    private static long[] acknowledgements(List<MqttClientConnection> publishers) {
        long[] total = new long[2];
        for (MqttClientConnection publisher : publishers) {
            long[] acks = onLoop(publisher, () -> new long[] {publisher.acknowledged(), publisher.unacknowledged()});
            total[0] += acks[0];
            total[1] += acks[1];
        }
        return total;
    }

    private void checkConnections(List<MqttClientConnection> publishers, List<MqttClientConnection> subscribers) {
        for (MqttClientConnection connection : publishers) {
            problems.addAll(connection.protocolErrors());
            if (!connection.isActive()) {
                problems.add("a publisher connection was closed by the broker during the run");
            }
        }
        long qos2Resends = 0;
        for (MqttClientConnection connection : subscribers) {
            qos2Resends += onLoop(connection, connection::qos2Resends);
            problems.addAll(connection.protocolErrors());
            if (!connection.isActive()) {
                problems.add("a subscriber connection was closed by the broker during the run");
            }
        }
        if (qos2Resends > 0) {
            problems.add(qos2Resends + " QoS 2 PUBLISH packets reused a packet identifier still awaiting PUBREL"
                    + " (taken as resends, not delivered)");
        }
    }

    private Tally tally(List<MqttClientConnection> subscribers, long[] sent) {
        Tally tally = new Tally();
        for (int s = 0; s < stats.size(); s++) {
            SubscriberStats subscriber = stats.get(s);
            MqttClientConnection connection = subscribers.get(s);
            SequenceTracker tracker = subscriber.tracker();
            tally.latency.add(onLoop(connection, () -> subscriber.latencyMicros().copy()));
            long[] counts = onLoop(connection, () -> new long[] {subscriber.received(), subscriber.receivedInWindow(),
                    tracker.duplicates(), tracker.outOfOrder(), tracker.unknown()});
            tally.received += counts[0];
            tally.receivedInWindow += counts[1];
            tally.duplicates += counts[2];
            tally.outOfOrder += counts[3];
            tally.unknown += counts[4];
            for (int p : topology.publishersOf(s)) {
                tally.expected += sent[p];
                int publisher = p;
                long[] missing = onLoop(connection, () -> new long[] {
                        tracker.missing(publisher, sent[publisher]), tracker.firstMissing(publisher, sent[publisher])});
                tally.lost += missing[0];
                if (missing[0] > 0 && tally.lossDetails.size() < MAX_LOSS_DETAILS) {
                    tally.lossDetails.add("subscriber " + s + " misses " + missing[0] + " of publisher " + p + "'s "
                            + sent[p] + ", the first is " + missing[1]);
                }
            }
        }
        return tally;
    }

    private void judge(Tally tally, long unacknowledged) {
        if (options.qos() > 0 && tally.lost > 0) {
            problems.add(tally.lost + " messages lost at QoS " + options.qos() + " (" + String.join("; ", tally.lossDetails) + ")");
        }
        if (tally.duplicates > 0) {
            problems.add(tally.duplicates + " duplicate deliveries");
        }
        if (tally.unknown > 0) {
            problems.add(tally.unknown + " messages with foreign payloads");
        }
        if (unacknowledged > 0) {
            problems.add(unacknowledged + " publishes never acknowledged");
        }
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long value : values) {
            total += value;
        }
        return total;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** Reads connection state on the connection's own event loop, where it is written. */
    static <T> T onLoop(MqttClientConnection connection, Callable<T> read) {
        try {
            return connection.eventLoop().submit(read).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read connection state", e);
        }
    }

    static void disconnectAll(List<MqttClientConnection> connections) {
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        for (MqttClientConnection connection : connections) {
            closed.add(connection.disconnect());
        }
        try {
            CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Closing is best effort: the transport's shutdown closes whatever is left.
        }
    }

    static <T> List<T> await(List<CompletableFuture<T>> futures, String what) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not finish within " + SETUP_TIMEOUT_SECONDS + " s", e);
        }
        List<T> results = new ArrayList<>(futures.size());
        futures.forEach(f -> results.add(f.join()));
        return results;
    }
}
