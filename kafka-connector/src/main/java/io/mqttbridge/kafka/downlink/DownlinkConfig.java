package io.mqttbridge.kafka.downlink;

import io.mqttbridge.broker.spi.TopicFilters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Kafka -> MQTT: which Kafka topics to consume and how their records become MQTT messages. The
 * downlink is enabled when {@link #getTopics() topics} or a {@link #getTopicPattern() pattern} is
 * configured (not both).
 *
 * <p>The MQTT topic of a record is the value of the header {@link #getMqttTopicHeader()} when the
 * record has it, else {@link #getMqttTopicTemplate()} with {@code {key}} (the record key as UTF-8)
 * and {@code {topic}} (the Kafka topic) substituted. Records that yield no valid MQTT topic name are
 * skipped (logged, counted, committed): they could never be delivered.
 */
public class DownlinkConfig {

    public static final String DEFAULT_GROUP_ID = "mqtt-bridge-downlink";
    public static final String DEFAULT_MQTT_TOPIC_HEADER = "mqtt.topic";
    public static final int DEFAULT_QOS = 1;
    public static final boolean DEFAULT_RETAIN = false;
    public static final int DEFAULT_MAX_IN_FLIGHT = 1_000;
    /** Start from the oldest record when the group has no committed offset: commands are not lost. */
    public static final String DEFAULT_AUTO_OFFSET_RESET = "earliest";
    public static final long DEFAULT_RETRY_BACKOFF_MS = 1_000;
    /** Where records that no session takes (or that name no usable MQTT topic) go, with a reason header. */
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "mqtt.downlink.dead-letter";

    private List<String> topics = new ArrayList<>();
    private String topicPattern;
    private String groupId = DEFAULT_GROUP_ID;
    private String mqttTopicHeader = DEFAULT_MQTT_TOPIC_HEADER;
    private String mqttTopicTemplate;
    private int qos = DEFAULT_QOS;
    private boolean retain = DEFAULT_RETAIN;
    private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
    private String autoOffsetReset = DEFAULT_AUTO_OFFSET_RESET;
    private long retryBackoffMs = DEFAULT_RETRY_BACKOFF_MS;
    private String deadLetterTopic = DEFAULT_DEAD_LETTER_TOPIC;
    private Map<String, String> consumerProperties = new LinkedHashMap<>();

    public boolean isEnabled() {
        return !topics.isEmpty() || topicPattern != null && !topicPattern.isBlank();
    }

    /** @throws IllegalArgumentException naming the offending key under {@code prefix} */
    public void validate(String prefix) {
        if (!topics.isEmpty() && topicPattern != null && !topicPattern.isBlank()) {
            throw new IllegalArgumentException(prefix + ".topics and " + prefix + ".topicPattern are exclusive; set one");
        }
        for (int i = 0; i < topics.size(); i++) {
            if (topics.get(i) == null || topics.get(i).isBlank()) {
                throw new IllegalArgumentException(prefix + ".topics[" + i + "] must not be empty");
            }
        }
        if (topicPattern != null && !topicPattern.isBlank()) {
            try {
                Pattern.compile(topicPattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(prefix + ".topicPattern is not a regular expression: " + e.getMessage(), e);
            }
        }
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException(prefix + ".groupId must not be empty");
        }
        boolean hasHeader = mqttTopicHeader != null && !mqttTopicHeader.isBlank();
        boolean hasTemplate = mqttTopicTemplate != null && !mqttTopicTemplate.isBlank();
        if (!hasHeader && !hasTemplate) {
            throw new IllegalArgumentException(prefix + ".mqttTopicHeader or " + prefix + ".mqttTopicTemplate must be set");
        }
        if (hasTemplate) {
            String sample = mqttTopicTemplate.replace("{key}", "k").replace("{topic}", "t");
            String problem = TopicFilters.validateTopicName(sample);
            if (problem != null) {
                throw new IllegalArgumentException(prefix + ".mqttTopicTemplate '" + mqttTopicTemplate
                        + "' is not an MQTT topic name: " + problem);
            }
            if (sample.startsWith("$SYS")) {
                throw new IllegalArgumentException(prefix + ".mqttTopicTemplate '" + mqttTopicTemplate
                        + "' is in the $SYS tree, where only the broker publishes");
            }
        }
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException(prefix + ".qos must be 0, 1 or 2, was " + qos);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException(prefix + ".maxInFlight must be positive, was " + maxInFlight);
        }
        if (!List.of("earliest", "latest").contains(autoOffsetReset)) {
            throw new IllegalArgumentException(prefix + ".autoOffsetReset must be 'earliest' or 'latest', was '"
                    + autoOffsetReset + "'");
        }
        if (deadLetterTopic == null || !deadLetterTopic.matches("[a-zA-Z0-9._-]{1,249}")
                || deadLetterTopic.equals(".") || deadLetterTopic.equals("..")) {
            throw new IllegalArgumentException(prefix + ".deadLetterTopic must be a Kafka topic name"
                    + " (1..249 of a-z A-Z 0-9 . _ -), was '" + deadLetterTopic + "'");
        }
        if (retryBackoffMs < 0) {
            throw new IllegalArgumentException(prefix + ".retryBackoffMs must not be negative, was " + retryBackoffMs);
        }
    }

    public List<String> getTopics() {
        return topics;
    }

    public DownlinkConfig setTopics(List<String> topics) {
        this.topics = topics == null ? new ArrayList<>() : new ArrayList<>(topics);
        return this;
    }

    public String getTopicPattern() {
        return topicPattern;
    }

    /** A Java regular expression over Kafka topic names, instead of a list. */
    public DownlinkConfig setTopicPattern(String topicPattern) {
        this.topicPattern = topicPattern;
        return this;
    }

    public String getDeadLetterTopic() {
        return deadLetterTopic;
    }

    /** The Kafka topic for records that match no MQTT session or name no usable MQTT topic. */
    public DownlinkConfig setDeadLetterTopic(String deadLetterTopic) {
        this.deadLetterTopic = deadLetterTopic;
        return this;
    }

    public String getGroupId() {
        return groupId;
    }

    public DownlinkConfig setGroupId(String groupId) {
        this.groupId = groupId;
        return this;
    }

    public String getMqttTopicHeader() {
        return mqttTopicHeader;
    }

    public DownlinkConfig setMqttTopicHeader(String mqttTopicHeader) {
        this.mqttTopicHeader = mqttTopicHeader;
        return this;
    }

    public String getMqttTopicTemplate() {
        return mqttTopicTemplate;
    }

    /** E.g. {@code devices/{key}/commands}; used when a record lacks the topic header. */
    public DownlinkConfig setMqttTopicTemplate(String mqttTopicTemplate) {
        this.mqttTopicTemplate = mqttTopicTemplate;
        return this;
    }

    public int getQos() {
        return qos;
    }

    public DownlinkConfig setQos(int qos) {
        this.qos = qos;
        return this;
    }

    public boolean isRetain() {
        return retain;
    }

    public DownlinkConfig setRetain(boolean retain) {
        this.retain = retain;
        return this;
    }

    public int getMaxInFlight() {
        return maxInFlight;
    }

    /** Records handed to the broker but not yet completed; beyond it the consumer pauses. */
    public DownlinkConfig setMaxInFlight(int maxInFlight) {
        this.maxInFlight = maxInFlight;
        return this;
    }

    public String getAutoOffsetReset() {
        return autoOffsetReset;
    }

    public DownlinkConfig setAutoOffsetReset(String autoOffsetReset) {
        this.autoOffsetReset = autoOffsetReset;
        return this;
    }

    public long getRetryBackoffMs() {
        return retryBackoffMs;
    }

    /** Wait before handing a record to the broker again after the broker failed it. */
    public DownlinkConfig setRetryBackoffMs(long retryBackoffMs) {
        this.retryBackoffMs = retryBackoffMs;
        return this;
    }

    public Map<String, String> getConsumerProperties() {
        return consumerProperties;
    }

    /** Further Kafka consumer properties, passed through (auto commit stays off whatever is set here). */
    public DownlinkConfig setConsumerProperties(Map<String, String> consumerProperties) {
        this.consumerProperties = consumerProperties == null ? new LinkedHashMap<>() : new LinkedHashMap<>(consumerProperties);
        return this;
    }
}
