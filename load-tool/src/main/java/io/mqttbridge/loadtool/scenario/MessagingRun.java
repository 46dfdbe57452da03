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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * (bounded by the drain timeout), disconnects everyone and reports.
 */
public final class MessagingRun {

    private static final long SETUP_TIMEOUT_SECONDS = 30;
    private static final int MAX_LOSS_DETAILS = 3;
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final LoadOptions options;
    private final Transport transport;
    private final String runId;

    public MessagingRun(LoadOptions options, Transport transport, String runId) {
        this.options = options;
        this.transport = transport;
        this.runId = runId;
    }

    public ScenarioResult run() throws InterruptedException {
        Topology topology = Topology.of(options.scenario(), options.publishers(), options.subscribers(),
                "loadtool/" + runId);
        MqttQoS qos = MqttQoS.valueOf(options.qos());
        InetSocketAddress broker = options.brokerAddress();
        List<InetSocketAddress> sources = options.sourceAddresses();
        AtomicLongArray progress = new AtomicLongArray(topology.subscribers() * topology.publishers());
        ProcessStats brokerProcess = options.brokerPid() == null ? null : new ProcessStats(options.brokerPid());

        List<SubscriberStats> stats = new ArrayList<>();
        List<CompletableFuture<MqttClientConnection>> subscriberFutures = new ArrayList<>();
        for (int s = 0; s < topology.subscribers(); s++) {
            SubscriberStats subscriber = new SubscriberStats(s, topology.publishers(), progress);
            stats.add(subscriber);
            subscriberFutures.add(MqttClientConnection.connect(transport, broker, sources.get(s % sources.size()),
                    runId + "-sub-" + s, options.keepAliveSeconds(), subscriber, () -> { }));
        }
        List<MqttClientConnection> subscribers = await(subscriberFutures, "connecting subscribers");
        List<CompletableFuture<Integer>> subAcks = new ArrayList<>();
        for (int s = 0; s < subscribers.size(); s++) {
            subAcks.add(subscribers.get(s).subscribe(topology.subscribeFilter(s), qos));
        }
        List<Integer> granted = await(subAcks, "subscribing");

        List<AtomicReference<PublisherPump>> pumpRefs = new ArrayList<>();
        List<CompletableFuture<MqttClientConnection>> publisherFutures = new ArrayList<>();
        for (int p = 0; p < topology.publishers(); p++) {
            AtomicReference<PublisherPump> ref = new AtomicReference<>();
            pumpRefs.add(ref);
            publisherFutures.add(MqttClientConnection.connect(transport, broker,
                    sources.get((topology.subscribers() + p) % sources.size()), runId + "-pub-" + p,
                    options.keepAliveSeconds(), InboundListener.IGNORE, () -> {
                        PublisherPump pump = ref.get();
                        if (pump != null) {
                            pump.pump();
                        }
                    }));
        }
        List<MqttClientConnection> publishers = await(publisherFutures, "connecting publishers");

        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        long measureStart = start + options.warmup().toNanos();
        long end = start + options.duration().toNanos();
        stats.forEach(s -> s.measureBetween(measureStart, end));
        double ratePerPublisher = options.rate() / topology.publishers();
        List<PublisherPump> pumps = new ArrayList<>();
        List<CompletableFuture<Void>> finished = new ArrayList<>();
        for (int p = 0; p < publishers.size(); p++) {
            // Stagger fixed-rate publishers across one interval so that they do not send in bursts together.
            long publisherStart = start + (options.rate() > 0 ? (long) (p * 1e9 / options.rate()) : 0);
            RateSchedule schedule = options.rate() > 0 ? new RateSchedule(publisherStart, ratePerPublisher) : null;
            int[] subscribersOfP = topology.subscribersOf(p);
            int[] slots = new int[subscribersOfP.length];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = SubscriberStats.progressSlot(subscribersOfP[i], p, topology.publishers());
            }
            PublisherPump pump = new PublisherPump(p, publishers.get(p), topology.publishTopic(p), qos,
                    options.payloadSize(), options.inflight(), options.maxMessages(), schedule, publisherStart, end,
                    measureStart, progress, slots);
            pumpRefs.get(p).set(pump);
            pumps.add(pump);
            finished.add(pump.start());
        }

        sleepUntil(measureStart);
        long cpuAtMeasureStart = brokerProcess == null ? 0 : brokerProcess.cpuNanos();
        long measuredFrom = System.nanoTime();
        try {
            CompletableFuture.allOf(finished.toArray(CompletableFuture[]::new))
                    .get(options.duration().toSeconds() + SETUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            pumps.forEach(PublisherPump::stop);
        }
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
        drain(topology, progress, sent, publishers);

        long acknowledged = 0;
        long unacknowledged = 0;
        for (MqttClientConnection publisher : publishers) {
            long[] acks = onLoop(publisher, () -> new long[] {publisher.acknowledged(), publisher.unacknowledged()});
            acknowledged += acks[0];
            unacknowledged += acks[1];
        }
        List<String> problems = new ArrayList<>();
        for (MqttClientConnection connection : publishers) {
            problems.addAll(connection.protocolErrors());
        }
        long qos2Resends = 0;
        for (MqttClientConnection connection : subscribers) {
            qos2Resends += onLoop(connection, connection::qos2Resends);
            problems.addAll(connection.protocolErrors());
            if (!connection.isActive()) {
                problems.add("a subscriber connection was closed by the broker during the run");
            }
        }
        disconnectAll(publishers);
        disconnectAll(subscribers);

        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        long received = 0;
        long receivedInWindow = 0;
        long lost = 0;
        long duplicates = 0;
        long outOfOrder = 0;
        long unknown = 0;
        long expected = 0;
        List<String> lossDetails = new ArrayList<>();
        for (int s = 0; s < stats.size(); s++) {
            SubscriberStats subscriber = stats.get(s);
            MqttClientConnection connection = subscribers.get(s);
            Histogram copy = onLoop(connection, () -> subscriber.latencyMicros().copy());
            latency.add(copy);
            SequenceTracker tracker = subscriber.tracker();
            long[] counts = onLoop(connection, () -> new long[] {subscriber.received(), subscriber.receivedInWindow(),
                    tracker.duplicates(), tracker.outOfOrder(), tracker.unknown()});
            received += counts[0];
            receivedInWindow += counts[1];
            duplicates += counts[2];
            outOfOrder += counts[3];
            unknown += counts[4];
            for (int p : topology.publishersOf(s)) {
                expected += sent[p];
                int publisher = p;
                long[] missing = onLoop(connection, () -> new long[] {
                        tracker.missing(publisher, sent[publisher]), tracker.firstMissing(publisher, sent[publisher])});
                lost += missing[0];
                if (missing[0] > 0 && lossDetails.size() < MAX_LOSS_DETAILS) {
                    lossDetails.add("subscriber " + s + " misses " + missing[0] + " of publisher " + p + "'s "
                            + sent[p] + ", the first is " + missing[1]);
                }
            }
        }

        ScenarioResult result = new ScenarioResult();
        result.scenario = options.scenario().cliName();
        result.qos = options.qos();
        result.startedAt = Instant.now().toString();
        result.publishers = topology.publishers();
        result.subscribers = topology.subscribers();
        result.targetRate = options.rate();
        result.inflight = options.inflight();
        result.payloadBytes = options.payloadSize();
        double seconds = (end - measureStart) / 1e9;
        result.measuredSeconds = seconds;
        result.sent = sum(sent);
        result.acknowledged = options.qos() == 0 ? null : acknowledged;
        result.expected = expected;
        result.received = received;
        result.lost = lost;
        result.duplicates = duplicates;
        result.outOfOrder = outOfOrder;
        result.windowStalls = stalls;
        result.publishRate = sentInWindow / seconds;
        result.throughput = receivedInWindow / seconds;
        result.latencyMicros = ScenarioResult.Latency.of(latency);
        if (brokerProcess != null) {
            result.brokerPid = brokerProcess.pid();
            result.brokerCpuSeconds = (cpuAtEnd - cpuAtMeasureStart) / 1e9;
            result.brokerCpuPercent = 100.0 * (cpuAtEnd - cpuAtMeasureStart) / Math.max(1, measuredTo - measuredFrom);
            result.brokerRssAfterBytes = brokerProcess.rssBytes();
        }
        for (int g : granted) {
            if (g != options.qos()) {
                problems.add("broker granted QoS " + g + " for a QoS " + options.qos() + " subscription");
                break;
            }
        }
        if (options.qos() > 0 && lost > 0) {
            problems.add(lost + " messages lost at QoS " + options.qos() + " (" + String.join("; ", lossDetails) + ")");
        }
        if (qos2Resends > 0) {
            problems.add(qos2Resends + " QoS 2 PUBLISH packets reused a packet identifier still awaiting PUBREL"
                    + " (taken as resends, not delivered)");
        }
        if (duplicates > 0) {
            problems.add(duplicates + " duplicate deliveries");
        }
        if (unknown > 0) {
            problems.add(unknown + " messages with foreign payloads");
        }
        if (unacknowledged > 0) {
            problems.add(unacknowledged + " publishes never acknowledged");
        }
        result.problems = problems;
        result.ok = problems.isEmpty();
        return result;
    }

    /** Waits until every stream has received everything that was sent and every publish is acknowledged. */
    private void drain(Topology topology, AtomicLongArray progress, long[] sent, List<MqttClientConnection> publishers)
            throws InterruptedException {
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
            for (MqttClientConnection publisher : publishers) {
                long[] acks = onLoop(publisher, () -> new long[] {publisher.acknowledged(), publisher.unacknowledged()});
                signature += acks[0];
                caughtUp &= acks[1] == 0;
            }
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

    static <T> T onLoop(MqttClientConnection connection, java.util.concurrent.Callable<T> read) {
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
