package io.mqttbridge.loadtool.scenario;

import io.mqttbridge.loadtool.LoadOptions;
import io.mqttbridge.loadtool.ScenarioResult;
import io.mqttbridge.loadtool.client.InboundListener;
import io.mqttbridge.loadtool.client.MqttClientConnection;
import io.mqttbridge.loadtool.client.Transport;
import io.mqttbridge.loadtool.measure.Payloads;
import io.mqttbridge.loadtool.measure.ProcessStats;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * The reconnect storm: what a fleet does after a network outage.
 *
 * <ol>
 * <li>Set-up (not measured): {@code --connections} clients connect with a persistent session (MQTT
 *     3.1.1, clean session 0) and each subscribes to its own topic at {@code --qos}.</li>
 * <li>Outage: every socket is closed at once, without DISCONNECT; or, with {@code --kill-pid}, the
 *     node they are connected to is killed ({@code kill -9}) and everything after this step goes to
 *     another node of the cluster ({@code --failover-port}): a fleet failing over.</li>
 * <li>While they are away, one publisher sends {@code --messages-per-client} messages to each client's
 *     topic at the same QoS and waits for every acknowledgement: the broker now owes each client those
 *     messages.</li>
 * <li>Storm (measured): every client reconnects at once (at most {@code --inflight} handshakes in
 *     flight) with the same client id and clean session 0. A client is back and subscribed when its
 *     CONNACK says the session is present (its subscription survived); a client whose session is gone
 *     subscribes again and counts as an error.</li>
 * <li>The tool waits (at most {@code --drain-timeout}) until every owed message arrived, then counts
 *     the lost and duplicated ones per client.</li>
 * <li>Clean-up (not measured): each client connects once more with a clean session, so the broker
 *     forgets the sessions.</li>
 * </ol>
 *
 * <p>Single use. Figures: time until all are back, reconnects per second, CONNACK latency from the
 * start of the storm, the broker's CPU per reconnect, errors, and messages lost (must be 0).
 */
public final class ReconnectStormRun {

    private static final long HANDSHAKE_TIMEOUT_SECONDS = 30;
    private static final long PHASE_TIMEOUT_SECONDS = 300;
    private static final int PUBLISH_WINDOW = 200;
    private static final int MAX_REPORTED_FAILURES = 5;

    private final LoadOptions options;
    private final Transport transport;
    private final String runId;
    private final MqttQoS qos;
    private final InetSocketAddress broker;
    // Where the publisher and the returning clients go: another node of a cluster after a failover.
    private final InetSocketAddress comeBackTo;
    private final List<InetSocketAddress> sources;
    private final int clients;
    private final BitSet[] receivedByClient;
    private final AtomicLong receivedTotal = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private final Map<String, Boolean> failureReasons = new ConcurrentHashMap<>();
    private final List<String> problems = new ArrayList<>();

    public ReconnectStormRun(LoadOptions options, Transport transport, String runId) {
        this.options = options;
        this.transport = transport;
        this.runId = runId;
        this.qos = MqttQoS.valueOf(options.qos());
        this.broker = options.brokerAddress();
        this.comeBackTo = options.failoverAddress();
        this.sources = options.sourceAddresses();
        this.clients = options.connections();
        this.receivedByClient = new BitSet[clients];
        for (int i = 0; i < clients; i++) {
            receivedByClient[i] = new BitSet();
        }
    }

    public ScenarioResult run() throws InterruptedException {
        ProcessStats brokerProcess = options.brokerPid() == null ? null : new ProcessStats(options.brokerPid());
        if (brokerProcess != null) {
            brokerProcess.check();
        }
        MqttClientConnection[] connections = new MqttClientConnection[clients];
        AtomicLong setupFailures = new AtomicLong();
        await("set-up", bounded(clients, options.inflight(), i -> connect(broker, i, false)
                .thenCompose(connection -> {
                    connections[i] = connection;
                    return connection.subscribe(topic(i), qos);
                })
                .whenComplete((granted, error) -> {
                    if (error != null) {
                        setupFailures.incrementAndGet();
                        noteFailure("set-up: ", error);
                    }
                })));
        if (setupFailures.get() > 0) {
            problems.add(setupFailures.get() + " of " + clients + " clients could not connect and subscribe before the outage");
        }

        if (options.killPid() != null) {
            killNode(options.killPid());
        }
        List<CompletableFuture<Void>> dropped = new ArrayList<>();
        for (MqttClientConnection connection : connections) {
            if (connection != null) {
                dropped.add(connection.drop());
            }
        }
        await("outage", CompletableFuture.allOf(dropped.toArray(CompletableFuture[]::new)));

        long owed = (long) clients * options.messagesPerClient();
        long acknowledged = publishWhileAway(owed);

        // The storm: every client at once, as far as --inflight lets them.
        long cpuBefore = brokerProcess == null ? 0 : brokerProcess.cpuNanos();
        SynchronizedHistogram connAckMicros = new SynchronizedHistogram(TimeUnit.MINUTES.toMicros(10), 3);
        AtomicLong reconnected = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong notPresent = new AtomicLong();
        AtomicLong lastBackNanos = new AtomicLong();
        long stormStart = System.nanoTime();
        await("reconnect", bounded(clients, options.inflight(), i -> connect(comeBackTo, i, false)
                .thenCompose(connection -> {
                    connections[i] = connection;
                    long now = System.nanoTime();
                    reconnected.incrementAndGet();
                    connAckMicros.recordValue(Math.max(0, (now - stormStart) / 1_000));
                    if (connection.sessionPresent()) {
                        return CompletableFuture.completedFuture(now);
                    }
                    notPresent.incrementAndGet();
                    return connection.subscribe(topic(i), qos).thenApply(granted -> System.nanoTime());
                })
                .whenComplete((backAt, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        noteFailure("reconnect: ", error);
                    } else {
                        lastBackNanos.accumulateAndGet(backAt, Math::max);
                    }
                })));
        long cpuAfter = brokerProcess == null ? 0 : brokerProcess.cpuNanos();
        long stormEnd = lastBackNanos.get() == 0 ? System.nanoTime() : lastBackNanos.get();

        awaitDeliveries(owed);
        List<MqttClientConnection> open = new ArrayList<>();
        for (MqttClientConnection connection : connections) {
            if (connection != null) {
                open.add(connection);
            }
        }
        MessagingRun.disconnectAll(open);
        long lost = 0;
        for (int i = 0; i < clients; i++) {
            synchronized (receivedByClient[i]) {
                lost += options.messagesPerClient() - receivedByClient[i].get(0, options.messagesPerClient()).cardinality();
            }
        }
        cleanUp();

        ScenarioResult result = new ScenarioResult();
        result.scenario = options.scenario().cliName();
        result.startedAt = Instant.now().toString();
        result.qos = options.qos();
        result.inflight = options.inflight();
        result.persistentClients = clients;
        result.messagesPerClient = options.messagesPerClient();
        result.connectionsAttempted = clients;
        result.connected = reconnected.get();
        result.connectFailures = failed.get();
        result.sessionsNotPresent = notPresent.get();
        double stormSeconds = Math.max(1, stormEnd - stormStart) / 1e9;
        result.allBackSeconds = stormSeconds;
        result.connectsPerSecond = reconnected.get() / stormSeconds;
        result.connectLatencyMicros = ScenarioResult.Latency.of(connAckMicros.copy());
        result.sent = owed;
        result.acknowledged = acknowledged;
        result.expected = owed;
        result.received = receivedTotal.get();
        result.lost = lost;
        result.duplicates = duplicates.get();
        if (brokerProcess != null) {
            long cpu = cpuAfter - cpuBefore;
            result.brokerPid = brokerProcess.pid();
            result.brokerCpuSeconds = cpu / 1e9;
            result.brokerCpuPercent = 100.0 * cpu / Math.max(1, stormEnd - stormStart);
            result.brokerCpuMicrosPerConnect = reconnected.get() == 0 ? null : cpu / 1e3 / reconnected.get();
            result.brokerRssAfterBytes = brokerProcess.rssBytes();
        }
        if (failed.get() > 0) {
            problems.add(failed.get() + " of " + clients + " reconnects failed: " + String.join(" | ", failureReasons.keySet()));
        }
        if (notPresent.get() > 0) {
            problems.add(notPresent.get() + " clients found no session when they came back");
        }
        if (acknowledged < owed) {
            problems.add((owed - acknowledged) + " of " + owed + " messages published while away were never acknowledged");
        }
        if (lost > 0) {
            problems.add(lost + " of " + owed + " messages published while the clients were away never arrived");
        }
        if (qos == MqttQoS.EXACTLY_ONCE && duplicates.get() > 0) {
            problems.add(duplicates.get() + " duplicates at QoS 2");
        }
        if (foreign.get() > 0) {
            problems.add(foreign.get() + " messages arrived that were not published by this run");
        }
        result.problems = List.copyOf(problems);
        result.ok = problems.isEmpty();
        return result;
    }

    private String clientId(int index) {
        return runId + "-p-" + index;
    }

    private String topic(int index) {
        return "loadtool/" + runId + "/reconnect/" + index;
    }

    private CompletableFuture<MqttClientConnection> connect(InetSocketAddress node, int index, boolean cleanSession) {
        return MqttClientConnection.connect(transport, node, sources.get(index % sources.size()), clientId(index),
                        cleanSession, options.keepAliveSeconds(), listenerFor(index), () -> { })
                .orTimeout(HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Records which of its messages the client received; the sequence number is the message's index for that client. */
    private InboundListener listenerFor(int index) {
        return (topic, qos, payload) -> {
            if (!Payloads.isOurs(payload) || Payloads.publisherId(payload) != index) {
                foreign.incrementAndGet();
                return;
            }
            int sequence = (int) Payloads.sequence(payload);
            BitSet seen = receivedByClient[index];
            synchronized (seen) {
                if (seen.get(sequence)) {
                    duplicates.incrementAndGet();
                    return;
                }
                seen.set(sequence);
            }
            receivedTotal.incrementAndGet();
        };
    }

    /**
     * One clean-session publisher sends every owed message (client index as the publisher id of the
     * payload, the message's number for that client as its sequence) and waits for the acknowledgements.
     *
     * @return messages acknowledged by the broker
     */
    private long publishWhileAway(long owed) throws InterruptedException {
        if (owed == 0) {
            return 0;
        }
        MqttClientConnection publisher = await("publisher connect", MqttClientConnection.connect(transport, comeBackTo,
                sources.get(0), runId + "-publisher", true, options.keepAliveSeconds(), InboundListener.IGNORE, () -> { }));
        if (publisher == null) {
            return 0;
        }
        CompletableFuture<Void> allAcknowledged = new CompletableFuture<>();
        AtomicLong next = new AtomicLong();
        Runnable pump = () -> {
            while (next.get() < owed && publisher.unacknowledged() < PUBLISH_WINDOW) {
                long n = next.getAndIncrement();
                int client = (int) (n % clients);
                long sequence = n / clients;
                publisher.tryPublish(topic(client), qos,
                        Payloads.encode(ByteBufAllocator.DEFAULT, options.payloadSize(), client, sequence, System.nanoTime()));
            }
            if (publisher.acknowledged() >= owed) {
                allAcknowledged.complete(null);
            }
        };
        publisher.eventLoop().execute(() -> {
            publisher.onAcknowledged(pump);
            pump.run();
            publisher.flush();
        });
        try {
            allAcknowledged.get(options.drainTimeout().toMillis() + TimeUnit.SECONDS.toMillis(PHASE_TIMEOUT_SECONDS),
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            noteFailure("publishing while away: ", e);
        }
        CompletableFuture<Long> count = new CompletableFuture<>();
        publisher.eventLoop().execute(() -> count.complete(publisher.acknowledged()));
        long acknowledged = await("publisher count", count);
        MessagingRun.disconnectAll(List.of(publisher));
        return acknowledged;
    }

    private void awaitDeliveries(long owed) throws InterruptedException {
        long deadline = System.nanoTime() + options.drainTimeout().toNanos();
        while (receivedTotal.get() < owed && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** Connects each client once with a clean session, so the broker drops the persistent sessions. */
    private void cleanUp() throws InterruptedException {
        await("clean-up", bounded(clients, options.inflight(), i -> connect(comeBackTo, i, true)
                .thenCompose(MqttClientConnection::disconnect)
                .exceptionally(error -> null)));
    }

    /** {@code kill -9} of the node the clients are connected to (a process the caller started) and waits for its end. */
    private void killNode(long pid) throws InterruptedException {
        ProcessHandle node = ProcessHandle.of(pid).orElse(null);
        if (node == null) {
            problems.add("--kill-pid " + pid + ": no such process");
            return;
        }
        node.destroyForcibly();
        try {
            node.onExit().get(PHASE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            problems.add("--kill-pid " + pid + " did not end: " + e);
        }
    }

    private void noteFailure(String phase, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (failureReasons.size() < MAX_REPORTED_FAILURES) {
            failureReasons.put(phase + cause, true);
        }
    }

    private <T> T await(String phase, CompletableFuture<T> future) throws InterruptedException {
        try {
            return future.get(PHASE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            problems.add(phase + " did not finish: " + e);
            return null;
        }
    }

    /**
     * Runs {@code count} asynchronous tasks with at most {@code parallelism} of them unfinished at any
     * time; completes when all finished, failed or not (each task reports its own failure).
     */
    static CompletableFuture<Void> bounded(int count, int parallelism, IntFunction<CompletableFuture<?>> task) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        if (count == 0) {
            all.complete(null);
            return all;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Runnable[] lane = new Runnable[1];
        lane[0] = () -> {
            int index = next.getAndIncrement();
            if (index >= count) {
                return;
            }
            CompletableFuture<?> started;
            try {
                started = task.apply(index);
            } catch (RuntimeException e) {
                started = CompletableFuture.failedFuture(e);
            }
            started.whenComplete((ignored, error) -> {
                if (finished.incrementAndGet() == count) {
                    all.complete(null);
                }
                lane[0].run();
            });
        };
        for (int i = 0; i < Math.min(parallelism, count); i++) {
            lane[0].run();
        }
        return all;
    }
}
