package io.mqttbridge.loadtool;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * Everything a run is told on the command line, with named defaults. Every run is bounded both in
 * time ({@code --duration}, {@code --drain-timeout}, {@code --hold}) and in count
 * ({@code --max-messages}, {@code --connections}). Only loopback targets are allowed.
 */
public class LoadOptions {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 1883;
    public static final int DEFAULT_PUBLISHERS = 10;
    public static final int DEFAULT_SUBSCRIBERS = 10;
    public static final String DEFAULT_DURATION = "10s";
    public static final String DEFAULT_WARMUP = "1s";
    public static final String DEFAULT_DRAIN_TIMEOUT = "10s";
    public static final int DEFAULT_INFLIGHT = 100;
    public static final int DEFAULT_PAYLOAD_BYTES = 100;
    public static final long DEFAULT_MAX_MESSAGES = 5_000_000;
    public static final int DEFAULT_CONNECTIONS = 1_000;
    public static final int DEFAULT_CONNECT_RATE = 1_000;
    public static final String DEFAULT_HOLD = "10s";
    public static final int DEFAULT_SOURCE_ADDRESSES = 4;
    public static final int DEFAULT_IO_THREADS = 1;
    public static final int DEFAULT_KEEP_ALIVE_SECONDS = 60;
    public static final int DEFAULT_MESSAGES_PER_CLIENT = 1;
    public static final String DEFAULT_KAFKA_TOPIC = "load-tool.raw-producer";
    /** File descriptors the tool keeps for itself beyond its connections. */
    static final int RESERVED_FILE_DESCRIPTORS = 200;
    static final int MAX_PUBLISHERS = 10_000;

    @Option(names = "--host", description = "broker address, loopback only (default ${DEFAULT-VALUE})")
    String host = DEFAULT_HOST;

    @Option(names = "--port", description = "broker port (default ${DEFAULT-VALUE})")
    int port = DEFAULT_PORT;

    @Option(names = "--subscriber-port", description = "broker port for the subscribers, e.g. another node of a"
            + " cluster for cross-node latency; 0 = --port (default ${DEFAULT-VALUE})")
    int subscriberPort = 0;

    @Option(names = "--scenario", required = true,
            description = "fan-in, one-to-one, fan-out, connect-storm, idle-connections or reconnect-storm")
    String scenario;

    @Option(names = "--qos", description = "QoS of publishes and subscriptions: 0, 1 or 2 (default ${DEFAULT-VALUE})")
    int qos = 0;

    @Option(names = "--publishers", description = "publishers (fan-in) or pairs (one-to-one) (default ${DEFAULT-VALUE})")
    int publishers = DEFAULT_PUBLISHERS;

    @Option(names = "--subscribers", description = "subscribers of the fan-out topic (default ${DEFAULT-VALUE})")
    int subscribers = DEFAULT_SUBSCRIBERS;

    @Option(names = "--duration", description = "how long publishers publish, or connections are opened (default ${DEFAULT-VALUE})")
    String duration = DEFAULT_DURATION;

    @Option(names = "--warmup", description = "first part of --duration left out of the figures (default ${DEFAULT-VALUE})")
    String warmup = DEFAULT_WARMUP;

    @Option(names = "--rate", description = "total messages/s over all publishers, or 0 for max-rate (default ${DEFAULT-VALUE})")
    double rate = 0;

    @Option(names = "--inflight", description = "per publisher: messages sent but not yet acknowledged and received;"
            + " for connection scenarios: concurrent handshakes (default ${DEFAULT-VALUE})")
    int inflight = DEFAULT_INFLIGHT;

    @Option(names = "--payload-size", description = "payload bytes, at least 20 (default ${DEFAULT-VALUE})")
    int payloadSize = DEFAULT_PAYLOAD_BYTES;

    @Option(names = "--max-messages", description = "most messages per publisher (default ${DEFAULT-VALUE})")
    long maxMessages = DEFAULT_MAX_MESSAGES;

    @Option(names = "--drain-timeout", description = "longest wait for outstanding messages after publishing (default ${DEFAULT-VALUE})")
    String drainTimeout = DEFAULT_DRAIN_TIMEOUT;

    @Option(names = "--connections", description = "connections to open (connection scenarios) (default ${DEFAULT-VALUE})")
    int connections = DEFAULT_CONNECTIONS;

    @Option(names = "--connect-rate", description = "connections opened per second (default ${DEFAULT-VALUE})")
    double connectRate = DEFAULT_CONNECT_RATE;

    @Option(names = "--messages-per-client", description = "reconnect-storm: QoS 1/2 messages published to each"
            + " client while it is away (default ${DEFAULT-VALUE})")
    int messagesPerClient = DEFAULT_MESSAGES_PER_CLIENT;

    @Option(names = "--hold", description = "how long idle connections are held open (default ${DEFAULT-VALUE})")
    String hold = DEFAULT_HOLD;

    @Option(names = "--source-addresses", description = "connect from 127.0.0.1 .. 127.0.0.N (default ${DEFAULT-VALUE})")
    int sourceAddresses = DEFAULT_SOURCE_ADDRESSES;

    @Option(names = "--broker-pid", description = "process id of the broker, to report its CPU time and memory")
    Long brokerPid;

    @Option(names = "--failover-port", description = "reconnect-storm: the port of another node of a cluster, where"
            + " the publisher publishes while the clients are away and the clients reconnect (0: --port)")
    int failoverPort = 0;

    @Option(names = "--kill-pid", description = "reconnect-storm: the outage is kill -9 of this process (the node"
            + " at --port, started by the caller) instead of the clients dropping their connections")
    Long killPid;

    @Option(names = "--io-threads", description = "event loop threads of the tool (default ${DEFAULT-VALUE})")
    int ioThreads = DEFAULT_IO_THREADS;

    @Option(names = "--keep-alive", description = "MQTT keep alive in seconds (default ${DEFAULT-VALUE})")
    int keepAliveSeconds = DEFAULT_KEEP_ALIVE_SECONDS;

    @Option(names = "--persistent-publishers", description = "publishers connect with clean session 0, so the"
            + " broker keeps their sessions (and their inbound QoS 2 state) beyond the connection")
    boolean persistentPublishers;

    @Option(names = "--persistent-subscribers", description = "subscribers connect with clean session 0, so the"
            + " broker writes every QoS 1/2 message through to their sessions (PostgreSQL, in the bridge) before"
            + " it acknowledges the publisher, and sends a QoS 2 message only once it is stored; their sessions stay"
            + " after the run (subscribed to that run's topics only)")
    boolean persistentSubscribers;

    @Option(names = "--kafka-topic", description = "kafka-producer: topic written (created with"
            + " --kafka-partitions if absent) (default ${DEFAULT-VALUE})")
    String kafkaTopic = DEFAULT_KAFKA_TOPIC;

    @Option(names = "--kafka-headers", arity = "1", description = "kafka-producer: give each record the mirror's mqtt.* headers"
            + " (false: none, to see what they cost) (default ${DEFAULT-VALUE})")
    boolean kafkaHeaders = true;

    @Option(names = "--kafka-partitions", description = "kafka-producer: partitions of a topic it creates (default ${DEFAULT-VALUE})")
    int kafkaPartitions = 1;

    @Option(names = "--producer-property", description = "kafka-producer: a producer setting over the mirror's defaults,"
            + " e.g. linger.ms=20 (repeatable)")
    java.util.Map<String, String> producerProperties = new java.util.LinkedHashMap<>();

    @Option(names = "--label", description = "free text copied into the result, e.g. the broker's name")
    String label;

    @Option(names = "--case", description = "free text copied into the result, e.g. a name for this configuration")
    String caseName;

    /** Checks every option; the message names the offending option. */
    public void validate(long maxFileDescriptors) {
        Scenario parsed;
        try {
            parsed = Scenario.fromCliName(scenario);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("--scenario: " + (scenario == null ? "required" : e.getMessage()));
        }
        brokerAddress();
        require(port > 0 && port <= 65_535, "--port", "must be 1..65535: " + port);
        require(subscriberPort >= 0 && subscriberPort <= 65_535, "--subscriber-port", "must be 0..65535: " + subscriberPort);
        require(qos >= 0 && qos <= 2, "--qos", "must be 0, 1 or 2: " + qos);
        require(publishers >= 1 && publishers <= MAX_PUBLISHERS, "--publishers", "must be 1.." + MAX_PUBLISHERS + ": " + publishers);
        require(subscribers >= 1 && subscribers <= MAX_PUBLISHERS, "--subscribers", "must be 1.." + MAX_PUBLISHERS + ": " + subscribers);
        Duration run = duration("--duration", duration);
        require(!run.isZero(), "--duration", "must be more than 0");
        require(duration("--warmup", warmup).compareTo(run) < 0, "--warmup", "must be shorter than --duration");
        duration("--drain-timeout", drainTimeout);
        duration("--hold", hold);
        require(rate >= 0 && Double.isFinite(rate), "--rate", "must be 0 (max-rate) or a positive number: " + rate);
        require(inflight >= 1 && inflight <= 60_000, "--inflight", "must be 1..60000: " + inflight);
        require(payloadSize >= 20 && payloadSize <= 65_536, "--payload-size", "must be 20..65536: " + payloadSize);
        require(maxMessages >= 1 && maxMessages <= Integer.MAX_VALUE, "--max-messages", "must be 1.." + Integer.MAX_VALUE);
        require(connectRate > 0 && Double.isFinite(connectRate), "--connect-rate", "must be positive: " + connectRate);
        require(sourceAddresses >= 1 && sourceAddresses <= 254, "--source-addresses", "must be 1..254: " + sourceAddresses);
        require(ioThreads >= 1 && ioThreads <= 64, "--io-threads", "must be 1..64: " + ioThreads);
        require(keepAliveSeconds >= 2 && keepAliveSeconds <= 65_535, "--keep-alive", "must be 2..65535: " + keepAliveSeconds);
        require(brokerPid == null || brokerPid > 0, "--broker-pid", "must be a process id: " + brokerPid);
        require(failoverPort >= 0 && failoverPort <= 65_535, "--failover-port", "must be 0..65535: " + failoverPort);
        require(killPid == null || killPid > 0 && failoverPort > 0, "--kill-pid",
                "must be a process id, and needs --failover-port (the clients come back to another node): " + killPid);
        if (parsed == Scenario.RECONNECT_STORM) {
            require(qos >= 1, "--qos", "reconnect-storm counts lost messages, so it needs QoS 1 or 2: " + qos);
            require(messagesPerClient >= 0 && messagesPerClient <= 1_000, "--messages-per-client",
                    "must be 0..1000: " + messagesPerClient);
        }
        require(kafkaPartitions >= 1 && kafkaPartitions <= 1_000, "--kafka-partitions", "must be 1..1000: " + kafkaPartitions);
        require(kafkaTopic != null && kafkaTopic.matches("[a-zA-Z0-9._-]{1,249}"), "--kafka-topic",
                "not a legal Kafka topic name: " + kafkaTopic);
        long sockets = parsed.isMessaging() ? socketsForMessaging(parsed)
                : parsed == Scenario.RECONNECT_STORM ? connections + 1L : connections;
        require(connections >= 1, "--connections", "must be at least 1: " + connections);
        long available = maxFileDescriptors - RESERVED_FILE_DESCRIPTORS;
        require(sockets <= available, parsed.isMessaging() ? "--publishers/--subscribers" : "--connections",
                sockets + " sockets exceed this process's open-files limit of " + maxFileDescriptors
                        + " (keep at most " + available + ")");
    }

    private long socketsForMessaging(Scenario parsed) {
        return switch (parsed) {
            case FAN_IN -> publishers + 1L;
            case ONE_TO_ONE -> 2L * publishers;
            default -> 1L + subscribers;
        };
    }

    private static Duration duration(String option, String text) {
        try {
            Duration value = DurationParser.parse(text);
            require(!value.isNegative(), option, "must not be negative");
            return value;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(option)) {
                throw e;
            }
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    private static void require(boolean condition, String option, String problem) {
        if (!condition) {
            throw new IllegalArgumentException(option + ": " + problem);
        }
    }

    /** @throws IllegalArgumentException unless the host is a loopback address (127.0.0.0/8 or ::1) */
    public InetSocketAddress brokerAddress() {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--host: cannot resolve '" + host + "'", e);
        }
        if (!address.isLoopbackAddress()) {
            throw new IllegalArgumentException("--host: only loopback targets (127.0.0.0/8, ::1) are allowed: " + host);
        }
        return new InetSocketAddress(address, port);
    }

    /** Where a reconnect storm's clients come back: {@code --failover-port} on the same host, or the broker address. */
    public InetSocketAddress failoverAddress() {
        InetSocketAddress broker = brokerAddress();
        return failoverPort == 0 ? broker : new InetSocketAddress(broker.getAddress(), failoverPort);
    }

    /** The process whose {@code kill -9} is a reconnect storm's outage, or {@code null}. */
    public Long killPid() {
        return killPid;
    }

    /** Where subscribers connect: {@code --subscriber-port} on the same host, or the broker address. */
    public InetSocketAddress subscriberAddress() {
        InetSocketAddress broker = brokerAddress();
        return subscriberPort == 0 ? broker : new InetSocketAddress(broker.getAddress(), subscriberPort);
    }

    /** The local addresses to connect from, {@code null} entries meaning "let the system choose". */
    public List<InetSocketAddress> sourceAddresses() {
        List<InetSocketAddress> result = new ArrayList<>();
        if (!(brokerAddress().getAddress() instanceof Inet4Address)) {
            result.add(null);
            return result;
        }
        for (int i = 1; i <= sourceAddresses; i++) {
            result.add(new InetSocketAddress("127.0.0." + i, 0));
        }
        return result;
    }

    public Scenario scenario() {
        return Scenario.fromCliName(scenario);
    }

    public Duration duration() {
        return DurationParser.parse(duration);
    }

    public Duration warmup() {
        return DurationParser.parse(warmup);
    }

    public Duration drainTimeout() {
        return DurationParser.parse(drainTimeout);
    }

    public Duration hold() {
        return DurationParser.parse(hold);
    }

    public int qos() {
        return qos;
    }

    public int publishers() {
        return publishers;
    }

    public int subscribers() {
        return subscribers;
    }

    public double rate() {
        return rate;
    }

    public int inflight() {
        return inflight;
    }

    public int payloadSize() {
        return payloadSize;
    }

    public long maxMessages() {
        return maxMessages;
    }

    public int connections() {
        return connections;
    }

    public double connectRate() {
        return connectRate;
    }

    public int messagesPerClient() {
        return messagesPerClient;
    }

    public Long brokerPid() {
        return brokerPid;
    }

    public int ioThreads() {
        return ioThreads;
    }

    public int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    public boolean persistentPublishers() {
        return persistentPublishers;
    }

    public boolean persistentSubscribers() {
        return persistentSubscribers;
    }

    public String kafkaTopic() {
        return kafkaTopic;
    }

    public boolean kafkaHeaders() {
        return kafkaHeaders;
    }

    public int kafkaPartitions() {
        return kafkaPartitions;
    }

    public java.util.Map<String, String> producerProperties() {
        return producerProperties;
    }

    public String label() {
        return label;
    }

    public String caseName() {
        return caseName;
    }

    /** A fluent way to set options in code and tests; names as on the command line without dashes. */
    public LoadOptions set(String option, Object value) {
        OptionSpec spec = new CommandLine(this).getCommandSpec().findOption("--" + option);
        if (spec == null) {
            throw new IllegalArgumentException("unknown option --" + option);
        }
        spec.setValue(parsed(spec.type(), String.valueOf(value)));
        return this;
    }

    /* The option's text as the type of its field; a repeatable option (a map) cannot be set this way. */
    private static Object parsed(Class<?> type, String text) {
        return switch (type.getName()) {
            case "java.lang.String" -> text;
            case "int", "java.lang.Integer" -> Integer.valueOf(text);
            case "long", "java.lang.Long" -> Long.valueOf(text);
            case "double" -> Double.valueOf(text);
            case "boolean" -> Boolean.valueOf(text);
            default -> throw new IllegalArgumentException("an option of type " + type.getSimpleName()
                    + " cannot be set by name");
        };
    }
}
