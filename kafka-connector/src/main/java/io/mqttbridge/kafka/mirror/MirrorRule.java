package io.mqttbridge.kafka.mirror;

/**
 * One mapping from MQTT topics to a Kafka topic. Rules are evaluated in order and the first whose
 * filter matches a message's topic decides; a message no rule matches is not mirrored.
 *
 * <p>{@link #getKafkaTopic()} is a fixed name or a template in which {@code {n}} stands for the
 * n-th level (1-based) of the MQTT topic, e.g. {@code telemetry.{2}} for {@code sensors/+/temp}.
 * Characters Kafka does not allow in topic names ({@code [a-zA-Z0-9._-]} only) that a substituted
 * level brings in are replaced by {@code _}; a message whose resulting topic is still not a legal
 * Kafka topic is rejected with MQTT reason code 0x90 (Topic Name invalid).
 */
public class MirrorRule {

    public static final KeyStrategy DEFAULT_KEY_STRATEGY = KeyStrategy.CLIENT_ID;
    public static final boolean DEFAULT_MIRROR_RETAINED = true;
    /** How many distinct Kafka topics a rule with a topic template may write to (and so create). */
    public static final int DEFAULT_MAX_TOPICS = 100;

    private String mqttTopicFilter;
    private String kafkaTopic;
    private KeyStrategy keyStrategy = DEFAULT_KEY_STRATEGY;
    private int keyTopicLevel;
    private boolean mirrorRetained = DEFAULT_MIRROR_RETAINED;
    private int maxTopics = DEFAULT_MAX_TOPICS;

    public MirrorRule() {
    }

    public MirrorRule(String mqttTopicFilter, String kafkaTopic) {
        this.mqttTopicFilter = mqttTopicFilter;
        this.kafkaTopic = kafkaTopic;
    }

    /**
     * For a template ({@code telemetry.{2}}): the most distinct Kafka topics this rule writes to
     * per process; a message that would need another one is refused (0x97 Quota exceeded), so
     * devices cannot make the broker create topics without bound. Ignored for a fixed topic.
     */
    public int getMaxTopics() {
        return maxTopics;
    }

    public MirrorRule setMaxTopics(int maxTopics) {
        this.maxTopics = maxTopics;
        return this;
    }

    public String getMqttTopicFilter() {
        return mqttTopicFilter;
    }

    public MirrorRule setMqttTopicFilter(String mqttTopicFilter) {
        this.mqttTopicFilter = mqttTopicFilter;
        return this;
    }

    public String getKafkaTopic() {
        return kafkaTopic;
    }

    public MirrorRule setKafkaTopic(String kafkaTopic) {
        this.kafkaTopic = kafkaTopic;
        return this;
    }

    public KeyStrategy getKeyStrategy() {
        return keyStrategy;
    }

    public MirrorRule setKeyStrategy(KeyStrategy keyStrategy) {
        this.keyStrategy = keyStrategy;
        return this;
    }

    public int getKeyTopicLevel() {
        return keyTopicLevel;
    }

    /** The 1-based topic level used as key with {@link KeyStrategy#TOPIC_LEVEL}. */
    public MirrorRule setKeyTopicLevel(int keyTopicLevel) {
        this.keyTopicLevel = keyTopicLevel;
        return this;
    }

    public boolean isMirrorRetained() {
        return mirrorRetained;
    }

    /** Whether messages published with the RETAIN flag are mirrored too. */
    public MirrorRule setMirrorRetained(boolean mirrorRetained) {
        this.mirrorRetained = mirrorRetained;
        return this;
    }

    @Override
    public String toString() {
        return "'" + mqttTopicFilter + "' -> '" + kafkaTopic + "'";
    }
}
