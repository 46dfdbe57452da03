package io.mqttbridge.db.history;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What the history writer consumes and how. Plain and Jackson-friendly; every field has a named
 * default. The writer subscribes to the union of {@link #getTopics() topics}, the topics matching
 * {@link #getTopicPattern() topicPattern} and the {@link #getSessionEventsTopic() sessionEventsTopic};
 * records of the latter are read as session events, all others as mirrored MQTT messages.
 */
public class HistoryWriterConfig {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";
    public static final List<String> DEFAULT_TOPICS = List.of();
    /** Every topic whose name starts with {@code mqtt.}; records without MQTT headers are skipped. */
    public static final String DEFAULT_TOPIC_PATTERN = "mqtt\\..*";
    public static final String DEFAULT_SESSION_EVENTS_TOPIC = "mqtt.session-events";
    public static final String DEFAULT_GROUP_ID = "mqtt-bridge-history";
    /** Measured (docs/BENCHMARKS.md): larger batches amortise the commit and the COPY start-up. */
    public static final int DEFAULT_BATCH_SIZE = 10_000;
    /** Consumers of the group in this process, each on its own thread with its own connection per batch. */
    public static final int DEFAULT_WRITER_THREADS = 2;
    /**
     * Transactions a large batch's messages may be stored in at once, per writer thread: with one
     * partition one PostgreSQL backend is the limit of a catch-up (docs/BENCHMARKS.md).
     */
    public static final int DEFAULT_COPY_STREAMS = 2;
    /** Records not yet in PostgreSQL beyond which the health check reports the history as degraded. */
    public static final long DEFAULT_MAX_HEALTHY_LAG = 100_000;
    public static final long DEFAULT_POLL_TIMEOUT_MILLIS = 500;
    public static final long DEFAULT_INITIAL_BACKOFF_MILLIS = 200;
    public static final long DEFAULT_MAX_BACKOFF_MILLIS = 10_000;
    public static final long DEFAULT_NODE_TIMEOUT_SECONDS = 90;
    public static final long DEFAULT_DEAD_NODE_CHECK_INTERVAL_SECONDS = 30;
    /** How often the lag is refreshed from Kafka's end offsets, independently of the writes. */
    public static final long DEFAULT_LAG_REFRESH_MILLIS = 1_000;

    private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
    private List<String> topics = new ArrayList<>(DEFAULT_TOPICS);
    private String topicPattern = DEFAULT_TOPIC_PATTERN;
    private String sessionEventsTopic = DEFAULT_SESSION_EVENTS_TOPIC;
    private String groupId = DEFAULT_GROUP_ID;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int writerThreads = DEFAULT_WRITER_THREADS;
    private int copyStreams = DEFAULT_COPY_STREAMS;
    private long maxHealthyLag = DEFAULT_MAX_HEALTHY_LAG;
    private long pollTimeoutMillis = DEFAULT_POLL_TIMEOUT_MILLIS;
    private long initialBackoffMillis = DEFAULT_INITIAL_BACKOFF_MILLIS;
    private long maxBackoffMillis = DEFAULT_MAX_BACKOFF_MILLIS;
    private long nodeTimeoutSeconds = DEFAULT_NODE_TIMEOUT_SECONDS;
    private long deadNodeCheckIntervalSeconds = DEFAULT_DEAD_NODE_CHECK_INTERVAL_SECONDS;
    private long lagRefreshMillis = DEFAULT_LAG_REFRESH_MILLIS;
    private Map<String, String> consumerProperties = new LinkedHashMap<>();

    /**
     * @throws IllegalArgumentException naming every offending key
     */
    public HistoryWriterConfig validate() {
        List<String> problems = new ArrayList<>();
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            problems.add("bootstrapServers must not be empty");
        }
        if (topics == null) {
            problems.add("topics must not be null (use an empty list)");
        } else if (topics.stream().anyMatch(t -> t == null || t.isBlank())) {
            problems.add("topics must not contain empty names");
        }
        if (topicPattern != null && !topicPattern.isEmpty()) {
            try {
                Pattern.compile(topicPattern);
            } catch (PatternSyntaxException e) {
                problems.add("topicPattern is not a valid regular expression: " + e.getDescription());
            }
        }
        if (sessionEventsTopic == null || sessionEventsTopic.isBlank()) {
            problems.add("sessionEventsTopic must not be empty");
        }
        if (groupId == null || groupId.isBlank()) {
            problems.add("groupId must not be empty");
        }
        if (batchSize < 1 || batchSize > 100_000) {
            problems.add("batchSize must be between 1 and 100000, was " + batchSize);
        }
        if (writerThreads < 1 || writerThreads > 64) {
            problems.add("writerThreads must be between 1 and 64, was " + writerThreads);
        }
        if (copyStreams < 1 || copyStreams > 16) {
            problems.add("copyStreams must be between 1 and 16, was " + copyStreams);
        }
        if (maxHealthyLag < 0) {
            problems.add("maxHealthyLag must not be negative, was " + maxHealthyLag);
        }
        if (pollTimeoutMillis < 1) {
            problems.add("pollTimeoutMillis must be at least 1, was " + pollTimeoutMillis);
        }
        if (initialBackoffMillis < 1) {
            problems.add("initialBackoffMillis must be at least 1, was " + initialBackoffMillis);
        }
        if (maxBackoffMillis < initialBackoffMillis) {
            problems.add("maxBackoffMillis must be at least initialBackoffMillis (" + initialBackoffMillis + "), was " + maxBackoffMillis);
        }
        if (nodeTimeoutSeconds < 1) {
            problems.add("nodeTimeoutSeconds must be at least 1, was " + nodeTimeoutSeconds);
        }
        if (lagRefreshMillis < 10 || lagRefreshMillis > 600_000) {
            problems.add("lagRefreshMillis must be between 10 and 600000, was " + lagRefreshMillis);
        }
        if (deadNodeCheckIntervalSeconds < 1) {
            problems.add("deadNodeCheckIntervalSeconds must be at least 1, was " + deadNodeCheckIntervalSeconds);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid history writer configuration: " + String.join("; ", problems));
        }
        return this;
    }

    /** The one subscription pattern: the listed topics, the pattern and the session-events topic. */
    public Pattern subscriptionPattern() {
        List<String> alternatives = new ArrayList<>();
        for (String topic : topics) {
            alternatives.add(Pattern.quote(topic));
        }
        if (topicPattern != null && !topicPattern.isEmpty()) {
            alternatives.add("(?:" + topicPattern + ")");
        }
        alternatives.add(Pattern.quote(sessionEventsTopic));
        return Pattern.compile(String.join("|", alternatives));
    }

    public String getBootstrapServers() {
        return bootstrapServers;
    }

    public HistoryWriterConfig setBootstrapServers(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        return this;
    }

    public List<String> getTopics() {
        return topics;
    }

    public HistoryWriterConfig setTopics(List<String> topics) {
        this.topics = topics == null ? null : new ArrayList<>(topics);
        return this;
    }

    public String getTopicPattern() {
        return topicPattern;
    }

    /** A Java regular expression; empty for none. */
    public HistoryWriterConfig setTopicPattern(String topicPattern) {
        this.topicPattern = topicPattern;
        return this;
    }

    public String getSessionEventsTopic() {
        return sessionEventsTopic;
    }

    public HistoryWriterConfig setSessionEventsTopic(String sessionEventsTopic) {
        this.sessionEventsTopic = sessionEventsTopic;
        return this;
    }

    public String getGroupId() {
        return groupId;
    }

    public HistoryWriterConfig setGroupId(String groupId) {
        this.groupId = groupId;
        return this;
    }

    public int getBatchSize() {
        return batchSize;
    }

    /** Records per poll and so per database transaction (Kafka's max.poll.records). */
    public HistoryWriterConfig setBatchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
    }

    public int getWriterThreads() {
        return writerThreads;
    }

    /**
     * Consumers (threads) in this process; each owns some partitions and commits their offsets itself.
     * More than the partitions of the consumed topics leaves some idle.
     */
    public HistoryWriterConfig setWriterThreads(int writerThreads) {
        this.writerThreads = writerThreads;
        return this;
    }

    /**
     * How many transactions (PostgreSQL connections) one writer thread may store a large batch's
     * messages in at once, each with a slice of the batch's record keys; 1 stores every batch in one.
     */
    public int getCopyStreams() {
        return copyStreams;
    }

    public HistoryWriterConfig setCopyStreams(int copyStreams) {
        this.copyStreams = copyStreams;
        return this;
    }

    public long getMaxHealthyLag() {
        return maxHealthyLag;
    }

    /** Records behind Kafka (lag.total) beyond which the history-writer health check reports degraded. */
    public HistoryWriterConfig setMaxHealthyLag(long maxHealthyLag) {
        this.maxHealthyLag = maxHealthyLag;
        return this;
    }

    public long getPollTimeoutMillis() {
        return pollTimeoutMillis;
    }

    public HistoryWriterConfig setPollTimeoutMillis(long pollTimeoutMillis) {
        this.pollTimeoutMillis = pollTimeoutMillis;
        return this;
    }

    public long getLagRefreshMillis() {
        return lagRefreshMillis;
    }

    public HistoryWriterConfig setLagRefreshMillis(long lagRefreshMillis) {
        this.lagRefreshMillis = lagRefreshMillis;
        return this;
    }

    public long getInitialBackoffMillis() {
        return initialBackoffMillis;
    }

    public HistoryWriterConfig setInitialBackoffMillis(long initialBackoffMillis) {
        this.initialBackoffMillis = initialBackoffMillis;
        return this;
    }

    public long getMaxBackoffMillis() {
        return maxBackoffMillis;
    }

    public HistoryWriterConfig setMaxBackoffMillis(long maxBackoffMillis) {
        this.maxBackoffMillis = maxBackoffMillis;
        return this;
    }

    public long getNodeTimeoutSeconds() {
        return nodeTimeoutSeconds;
    }

    /** A node without a heartbeat for this long is dead: its open sessions are closed as node_lost. */
    public HistoryWriterConfig setNodeTimeoutSeconds(long nodeTimeoutSeconds) {
        this.nodeTimeoutSeconds = nodeTimeoutSeconds;
        return this;
    }

    public long getDeadNodeCheckIntervalSeconds() {
        return deadNodeCheckIntervalSeconds;
    }

    public HistoryWriterConfig setDeadNodeCheckIntervalSeconds(long deadNodeCheckIntervalSeconds) {
        this.deadNodeCheckIntervalSeconds = deadNodeCheckIntervalSeconds;
        return this;
    }

    public Map<String, String> getConsumerProperties() {
        return consumerProperties;
    }

    /** Extra Kafka consumer properties (security settings, for example); the writer's own win. */
    public HistoryWriterConfig setConsumerProperties(Map<String, String> consumerProperties) {
        this.consumerProperties = consumerProperties == null ? new LinkedHashMap<>() : new LinkedHashMap<>(consumerProperties);
        return this;
    }
}
