package io.mqttbridge.broker.config;

import io.mqttbridge.broker.MqttBroker;
import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.config.QueueOverflowPolicy;
import io.mqttbridge.broker.listener.ListenerConfig;
import io.mqttbridge.broker.listener.Transport;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Settings of the broker: its listeners (the list {@link #getListeners() listeners}, or when that
 * is empty one TCP listener named {@value #DEFAULT_LISTENER_NAME} on {@code host}:{@code port}),
 * protocol settings and {@link LimitsConfig limits}. A plain bean so that the Dropwizard
 * application can embed it in its YAML configuration; every field has a named default.
 * Call {@link #validate()} before use; {@link MqttBroker} does so itself.
 */
public class BrokerConfig {

    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 1883;
    public static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
    /** 0 means the server does not cap the client's keep alive. */
    public static final int DEFAULT_MAX_KEEP_ALIVE_SECONDS = 0;
    public static final int DEFAULT_MAX_PACKET_SIZE = 256 * 1024;
    public static final int DEFAULT_RECEIVE_MAXIMUM = 100;
    public static final int DEFAULT_MAX_QOS = 2;
    public static final boolean DEFAULT_RETAIN_AVAILABLE = true;
    /** Generous: the byte bound below is what normally binds and keeps memory in check. */
    public static final int DEFAULT_MAX_QUEUED_MESSAGES_PER_SESSION = 1_000_000;
    /**
     * Bytes of queued messages (payload, topic and a fixed overhead each) per session: at 20,000
     * msg/s of 100-byte messages to one subscriber, about 15 s of falling behind.
     */
    public static final long DEFAULT_MAX_QUEUED_BYTES_PER_SESSION = 64L * 1024 * 1024;
    /** The heap share queued messages of all sessions may hold; the rest is the broker's, Kafka's and the API's. */
    public static final int DEFAULT_MAX_QUEUED_HEAP_PERCENT = 40;
    public static final QueueOverflowPolicy DEFAULT_QUEUE_OVERFLOW_POLICY = QueueOverflowPolicy.DROP_OLDEST;
    public static final long DEFAULT_MAX_SESSION_EXPIRY_SECONDS = 0xFFFF_FFFFL;
    public static final int DEFAULT_TOPIC_ALIAS_MAXIMUM = 16;
    /** Enough to keep a subscriber at 20,000 msg/s busy when acks take a few ms (see docs/BENCHMARKS.md). */
    public static final int DEFAULT_MAX_INFLIGHT_OUTBOUND = 256;
    public static final int DEFAULT_MAX_CLIENT_ID_LENGTH = 256;
    public static final int DEFAULT_WORKER_THREADS = 0;
    public static final boolean DEFAULT_SHARED_SUBSCRIPTIONS_AVAILABLE = true;
    /**
     * The MQTT 5 Response Information sent to a client that asks for it (Request Response
     * Information = 1): the topic prefix under which it should receive responses; {@code %c} is its
     * client id. The client's ACL must still allow the topics. Empty: never sent.
     */
    public static final String DEFAULT_RESPONSE_INFORMATION = "responses/%c";
    /** How often the {@code $SYS} statistics are published, as Mosquitto's {@code sys_interval}; 0: never. */
    public static final int DEFAULT_SYS_INTERVAL_SECONDS = 10;
    /**
     * How long a connection without an MQTT keep alive (keep alive 0, which the broker cannot police
     * itself) may stay silent after its peer vanished before TCP keepalive probes close it; 0 leaves
     * it to the operating system (hours).
     */
    public static final int DEFAULT_TCP_KEEP_ALIVE_SECONDS = 600;
    /** The name of the TCP listener made from {@code host} and {@code port} when no list is given. */
    public static final String DEFAULT_LISTENER_NAME = "default";

    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private int connectTimeoutSeconds = DEFAULT_CONNECT_TIMEOUT_SECONDS;
    private int maxKeepAliveSeconds = DEFAULT_MAX_KEEP_ALIVE_SECONDS;
    private int maxPacketSize = DEFAULT_MAX_PACKET_SIZE;
    private int receiveMaximum = DEFAULT_RECEIVE_MAXIMUM;
    private int maxQos = DEFAULT_MAX_QOS;
    private boolean retainAvailable = DEFAULT_RETAIN_AVAILABLE;
    private int maxQueuedMessagesPerSession = DEFAULT_MAX_QUEUED_MESSAGES_PER_SESSION;
    private long maxQueuedBytesPerSession = DEFAULT_MAX_QUEUED_BYTES_PER_SESSION;
    private int maxQueuedHeapPercent = DEFAULT_MAX_QUEUED_HEAP_PERCENT;
    private QueueOverflowPolicy queueOverflowPolicy = DEFAULT_QUEUE_OVERFLOW_POLICY;
    private long maxSessionExpirySeconds = DEFAULT_MAX_SESSION_EXPIRY_SECONDS;
    private int topicAliasMaximum = DEFAULT_TOPIC_ALIAS_MAXIMUM;
    private int maxInflightOutbound = DEFAULT_MAX_INFLIGHT_OUTBOUND;
    private int maxClientIdLength = DEFAULT_MAX_CLIENT_ID_LENGTH;
    private int workerThreads = DEFAULT_WORKER_THREADS;
    private boolean sharedSubscriptionsAvailable = DEFAULT_SHARED_SUBSCRIPTIONS_AVAILABLE;
    private String responseInformation = DEFAULT_RESPONSE_INFORMATION;
    private int sysIntervalSeconds = DEFAULT_SYS_INTERVAL_SECONDS;
    private int tcpKeepAliveSeconds = DEFAULT_TCP_KEEP_ALIVE_SECONDS;
    private List<ListenerConfig> listeners = new ArrayList<>();
    private LimitsConfig limits = new LimitsConfig();

    /**
     * @throws IllegalArgumentException naming the first offending key
     */
    public BrokerConfig validate() {
        require(host != null && !host.isBlank(), "host", "must not be empty");
        require(responseInformation != null, "responseInformation", "must not be null (use \"\" to send none)");
        require(port >= 0 && port <= 65_535, "port", "must be 0..65535 (0 picks a free port), was " + port);
        require(connectTimeoutSeconds > 0, "connectTimeoutSeconds", "must be positive, was " + connectTimeoutSeconds);
        require(maxKeepAliveSeconds >= 0 && maxKeepAliveSeconds <= 65_535, "maxKeepAliveSeconds",
                "must be 0..65535 (0 = no cap), was " + maxKeepAliveSeconds);
        require(maxPacketSize >= 64 && maxPacketSize <= 268_435_455, "maxPacketSize",
                "must be 64..268435455 bytes, was " + maxPacketSize);
        require(receiveMaximum >= 1 && receiveMaximum <= 65_535, "receiveMaximum",
                "must be 1..65535, was " + receiveMaximum);
        require(maxQos >= 0 && maxQos <= 2, "maxQos", "must be 0, 1 or 2, was " + maxQos);
        require(maxQueuedMessagesPerSession >= 0, "maxQueuedMessagesPerSession",
                "must not be negative, was " + maxQueuedMessagesPerSession);
        require(maxQueuedHeapPercent >= 0 && maxQueuedHeapPercent <= 90, "maxQueuedHeapPercent",
                "must be 0..90 (0 = no bound), was " + maxQueuedHeapPercent);
        require(maxQueuedBytesPerSession >= 1024, "maxQueuedBytesPerSession",
                "must be at least 1024, was " + maxQueuedBytesPerSession);
        require(queueOverflowPolicy != null, "queueOverflowPolicy", "must be DROP_OLDEST, DROP_NEWEST or DISCONNECT");
        require(maxSessionExpirySeconds >= 0 && maxSessionExpirySeconds <= 0xFFFF_FFFFL, "maxSessionExpirySeconds",
                "must be 0..4294967295, was " + maxSessionExpirySeconds);
        require(topicAliasMaximum >= 0 && topicAliasMaximum <= 65_535, "topicAliasMaximum",
                "must be 0..65535, was " + topicAliasMaximum);
        require(maxInflightOutbound >= 1 && maxInflightOutbound <= 65_535, "maxInflightOutbound",
                "must be 1..65535, was " + maxInflightOutbound);
        require(maxClientIdLength >= 23 && maxClientIdLength <= 65_535, "maxClientIdLength",
                "must be 23..65535, was " + maxClientIdLength);
        require(workerThreads >= 0, "workerThreads", "must not be negative (0 = two per core), was " + workerThreads);
        require(sysIntervalSeconds >= 0 && sysIntervalSeconds <= 86_400, "sysIntervalSeconds",
                "must be 0..86400 (0 = no $SYS statistics), was " + sysIntervalSeconds);
        require(tcpKeepAliveSeconds >= 0 && tcpKeepAliveSeconds <= 36_000, "tcpKeepAliveSeconds",
                "must be 0..36000 (0 = the operating system's keepalive), was " + tcpKeepAliveSeconds);
        require(listeners != null, "listeners", "must not be null (leave it out for one TCP listener on host:port)");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < listeners.size(); i++) {
            require(listeners.get(i) != null, "listeners[" + i + "]", "must not be empty");
            listeners.get(i).validate("listeners[" + i + "]");
            require(names.add(listeners.get(i).getName()), "listeners[" + i + "].name",
                    "'" + listeners.get(i).getName() + "' is used by another listener");
        }
        require(limits != null, "limits", "must not be null");
        limits.validate();
        long pendingPackets = limits.getMaxPendingPacketBytes();
        // A packet that could never fit would close every client sending one.
        require(pendingPackets == 0 || pendingPackets >= maxPacketSize, "limits.maxPendingPacketBytes",
                "must be 0 (off) or at least maxPacketSize (" + maxPacketSize + "), was " + pendingPackets);
        return this;
    }

    /** The listeners to open: the configured list, or the default TCP listener on host:port. */
    public List<ListenerConfig> effectiveListeners() {
        if (!listeners.isEmpty()) {
            return List.copyOf(listeners);
        }
        return List.of(new ListenerConfig(DEFAULT_LISTENER_NAME, Transport.TCP, host, port));
    }

    private static void require(boolean condition, String key, String message) {
        if (!condition) {
            throw new IllegalArgumentException("broker configuration '" + key + "' " + message);
        }
    }

    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public int getPort() { return port; }
    public void setPort(int port) { this.port = port; }
    public int getConnectTimeoutSeconds() { return connectTimeoutSeconds; }
    public void setConnectTimeoutSeconds(int connectTimeoutSeconds) { this.connectTimeoutSeconds = connectTimeoutSeconds; }
    public int getMaxKeepAliveSeconds() { return maxKeepAliveSeconds; }
    public void setMaxKeepAliveSeconds(int maxKeepAliveSeconds) { this.maxKeepAliveSeconds = maxKeepAliveSeconds; }
    public int getMaxPacketSize() { return maxPacketSize; }
    public void setMaxPacketSize(int maxPacketSize) { this.maxPacketSize = maxPacketSize; }
    public int getReceiveMaximum() { return receiveMaximum; }
    public void setReceiveMaximum(int receiveMaximum) { this.receiveMaximum = receiveMaximum; }
    public int getMaxQos() { return maxQos; }
    public void setMaxQos(int maxQos) { this.maxQos = maxQos; }
    public boolean isRetainAvailable() { return retainAvailable; }
    public void setRetainAvailable(boolean retainAvailable) { this.retainAvailable = retainAvailable; }
    public int getMaxQueuedMessagesPerSession() { return maxQueuedMessagesPerSession; }
    public void setMaxQueuedMessagesPerSession(int maxQueuedMessagesPerSession) { this.maxQueuedMessagesPerSession = maxQueuedMessagesPerSession; }
    /** Share of the JVM's maximum heap the queued messages of all sessions may hold; 0 = no bound. */
    public int getMaxQueuedHeapPercent() { return maxQueuedHeapPercent; }
    public void setMaxQueuedHeapPercent(int maxQueuedHeapPercent) { this.maxQueuedHeapPercent = maxQueuedHeapPercent; }
    public long getMaxQueuedBytesPerSession() { return maxQueuedBytesPerSession; }
    public void setMaxQueuedBytesPerSession(long maxQueuedBytesPerSession) { this.maxQueuedBytesPerSession = maxQueuedBytesPerSession; }
    public QueueOverflowPolicy getQueueOverflowPolicy() { return queueOverflowPolicy; }
    public void setQueueOverflowPolicy(QueueOverflowPolicy queueOverflowPolicy) { this.queueOverflowPolicy = queueOverflowPolicy; }
    public long getMaxSessionExpirySeconds() { return maxSessionExpirySeconds; }
    public void setMaxSessionExpirySeconds(long maxSessionExpirySeconds) { this.maxSessionExpirySeconds = maxSessionExpirySeconds; }
    public int getTopicAliasMaximum() { return topicAliasMaximum; }
    public void setTopicAliasMaximum(int topicAliasMaximum) { this.topicAliasMaximum = topicAliasMaximum; }
    public int getMaxInflightOutbound() { return maxInflightOutbound; }
    public void setMaxInflightOutbound(int maxInflightOutbound) { this.maxInflightOutbound = maxInflightOutbound; }
    public int getMaxClientIdLength() { return maxClientIdLength; }
    public void setMaxClientIdLength(int maxClientIdLength) { this.maxClientIdLength = maxClientIdLength; }
    public int getWorkerThreads() { return workerThreads; }
    public void setWorkerThreads(int workerThreads) { this.workerThreads = workerThreads; }
    /** See {@link #DEFAULT_RESPONSE_INFORMATION}. */
    public String getResponseInformation() { return responseInformation; }
    public void setResponseInformation(String responseInformation) { this.responseInformation = responseInformation; }

    /** See {@link #DEFAULT_SYS_INTERVAL_SECONDS}. */
    public int getSysIntervalSeconds() { return sysIntervalSeconds; }
    public void setSysIntervalSeconds(int sysIntervalSeconds) { this.sysIntervalSeconds = sysIntervalSeconds; }

    /** See {@link #DEFAULT_TCP_KEEP_ALIVE_SECONDS}. */
    public int getTcpKeepAliveSeconds() { return tcpKeepAliveSeconds; }
    public void setTcpKeepAliveSeconds(int tcpKeepAliveSeconds) { this.tcpKeepAliveSeconds = tcpKeepAliveSeconds; }

    public boolean isSharedSubscriptionsAvailable() { return sharedSubscriptionsAvailable; }
    public void setSharedSubscriptionsAvailable(boolean sharedSubscriptionsAvailable) { this.sharedSubscriptionsAvailable = sharedSubscriptionsAvailable; }
    public List<ListenerConfig> getListeners() { return listeners; }
    public void setListeners(List<ListenerConfig> listeners) { this.listeners = listeners; }
    public LimitsConfig getLimits() { return limits; }
    public void setLimits(LimitsConfig limits) { this.limits = limits; }
}
