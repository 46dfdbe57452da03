package io.mqttbridge.kafka.mirror.internal;

import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.kafka.mirror.KeyStrategy;
import io.mqttbridge.kafka.mirror.MirrorRule;
import io.mqttbridge.kafka.mirror.ReservedTopics;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A validated {@link MirrorRule}, ready to match topics and compute Kafka topics and keys. */
public final class MirrorRoute {

    private final int index;
    private final String filter;
    private final TopicTemplate kafkaTopic;
    private final KeyStrategy keyStrategy;
    private final int keyLevelIndex;
    private final boolean mirrorRetained;
    private final ReservedTopics reserved;
    private final int maxTopics;
    private final Set<String> topicsUsed = ConcurrentHashMap.newKeySet();
    /** The filter split at '/', for {@link #matches} without splitting every topic. */
    private final String[] filterLevels;
    /** The Kafka topic of a rule without placeholders (checked once at compile time), else null. */
    private final String fixedKafkaTopic;

    private MirrorRoute(int index, MirrorRule rule, TopicTemplate kafkaTopic, ReservedTopics reserved) {
        this.index = index;
        this.filter = rule.getMqttTopicFilter();
        this.filterLevels = filter.split("/", -1);
        this.kafkaTopic = kafkaTopic;
        this.keyStrategy = rule.getKeyStrategy();
        this.keyLevelIndex = rule.getKeyTopicLevel() - 1;
        this.mirrorRetained = rule.isMirrorRetained();
        this.reserved = reserved;
        this.maxTopics = rule.getMaxTopics();
        this.fixedKafkaTopic = kafkaTopic.highestLevel() == 0 ? kafkaTopic.render(new String[0]) : null;
    }

    public KeyStrategy keyStrategy() {
        return keyStrategy;
    }

    /** Whether {@link #key} is the UTF-8 client id. */
    public boolean keyIsClientId() {
        return keyStrategy == KeyStrategy.CLIENT_ID;
    }

    /**
     * Whether {@link #kafkaTopic} or {@link #key} look at the topic's levels; when not, callers may
     * pass {@code null} for them and save splitting the topic of every message.
     */
    public boolean needsLevels() {
        return fixedKafkaTopic == null || keyStrategy == KeyStrategy.TOPIC_LEVEL;
    }

    /**
     * @param index the rule's position in the configuration (0-based), for messages
     * @throws IllegalArgumentException naming the rule by index and filter
     */
    public static MirrorRoute compile(int index, MirrorRule rule) {
        return compile(index, rule, ReservedTopics.INTERNAL_ONLY);
    }

    /**
     * @param reserved topics the rule must never yield: a fixed topic among them is refused here,
     *     a template that renders one refuses that message
     * @throws IllegalArgumentException naming the rule by index and filter
     */
    public static MirrorRoute compile(int index, MirrorRule rule, ReservedTopics reserved) {
        String name = "mirror rule #" + index + " (filter '" + (rule == null ? null : rule.getMqttTopicFilter()) + "')";
        if (rule == null) {
            throw new IllegalArgumentException(name + " is empty");
        }
        String filterProblem = TopicFilters.validateFilter(rule.getMqttTopicFilter());
        if (filterProblem != null) {
            throw new IllegalArgumentException(name + ": mqttTopicFilter " + filterProblem);
        }
        TopicTemplate template;
        try {
            template = TopicTemplate.parse(rule.getKafkaTopic());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": kafkaTopic: " + e.getMessage(), e);
        }
        int filterLevels = rule.getMqttTopicFilter().split("/", -1).length;
        boolean openEnded = rule.getMqttTopicFilter().endsWith("#");
        if (!openEnded && template.highestLevel() > filterLevels) {
            throw new IllegalArgumentException(name + ": kafkaTopic '" + rule.getKafkaTopic() + "' uses level {"
                    + template.highestLevel() + "} but the filter matches only topics with " + filterLevels + " levels");
        }
        if (rule.getKeyStrategy() == null) {
            throw new IllegalArgumentException(name + ": keyStrategy must be one of CLIENT_ID, USERNAME, TOPIC, TOPIC_LEVEL, NONE");
        }
        if (rule.getKeyStrategy() == KeyStrategy.TOPIC_LEVEL) {
            if (rule.getKeyTopicLevel() < 1) {
                throw new IllegalArgumentException(name + ": keyTopicLevel must be 1 or more with keyStrategy TOPIC_LEVEL");
            }
            if (!openEnded && rule.getKeyTopicLevel() > filterLevels) {
                throw new IllegalArgumentException(name + ": keyTopicLevel " + rule.getKeyTopicLevel()
                        + " is beyond the " + filterLevels + " levels the filter matches");
            }
        }
        if (template.highestLevel() == 0 && reserved.isReserved(rule.getKafkaTopic())) {
            throw new IllegalArgumentException(name + ": kafkaTopic '" + rule.getKafkaTopic()
                    + "' is reserved (session events, downlink or a Kafka-internal __ topic)");
        }
        if (rule.getMaxTopics() < 1) {
            throw new IllegalArgumentException(name + ": maxTopics must be at least 1, was " + rule.getMaxTopics());
        }
        return new MirrorRoute(index, rule, template, reserved);
    }

    /**
     * {@link TopicFilters#matches} for this rule's filter, level by level along the topic without
     * splitting it (it runs for every published message).
     */
    public boolean matches(String topic) {
        if (isWildcard(filterLevels[0]) && topic.startsWith("$")) {
            return false;
        }
        int start = 0;
        for (String level : filterLevels) {
            if (level.equals(TopicFilters.MULTI_LEVEL_WILDCARD)) {
                return true; // also matches the parent level, i.e. when the topic has no more levels
            }
            if (start > topic.length()) {
                return false; // the topic has fewer levels than the filter
            }
            int slash = topic.indexOf('/', start);
            int end = slash < 0 ? topic.length() : slash;
            if (!level.equals(TopicFilters.SINGLE_LEVEL_WILDCARD)
                    && (end - start != level.length() || !topic.startsWith(level, start))) {
                return false;
            }
            start = end + 1;
        }
        return start > topic.length(); // and no topic levels are left over
    }

    private static boolean isWildcard(String level) {
        return level.equals(TopicFilters.MULTI_LEVEL_WILDCARD) || level.equals(TopicFilters.SINGLE_LEVEL_WILDCARD);
    }

    public boolean mirrors(PublishedMessage message) {
        return mirrorRetained || !message.retain();
    }

    /**
     * @param levels the message's topic split at '/' (may be null unless {@link #needsLevels()})
     * @return the Kafka topic for the message's topic levels, or {@code null} if no legal one
     *     results or the result is reserved (session events, downlink, {@code __} topics)
     */
    public String kafkaTopic(String[] levels) {
        if (fixedKafkaTopic != null) {
            return fixedKafkaTopic; // compile() refused a reserved fixed topic
        }
        String topic = kafkaTopic.render(levels);
        return topic == null || reserved.isReserved(topic) ? null : topic;
    }

    /**
     * Whether this rule may write to {@code topic}: always for a fixed topic; for a template, when
     * the topic was used before or fewer than {@code maxTopics} distinct topics were. Thread-safe;
     * concurrent first uses may pass the bound by at most the number of concurrent callers.
     */
    public boolean admitTopic(String topic) {
        if (kafkaTopic.highestLevel() == 0 || topicsUsed.contains(topic)) {
            return true;
        }
        if (topicsUsed.size() >= maxTopics) {
            return false;
        }
        topicsUsed.add(topic);
        return true;
    }

    /**
     * @param levels the message's topic split at '/' (may be null unless {@link #needsLevels()})
     * @return the record key, or {@code null}
     */
    public byte[] key(PublishedMessage message, String[] levels) {
        String key = switch (keyStrategy) {
            case CLIENT_ID -> message.clientId();
            case USERNAME -> message.username();
            case TOPIC -> message.topic();
            case TOPIC_LEVEL -> keyLevelIndex < levels.length ? levels[keyLevelIndex] : null;
            case NONE -> null;
        };
        return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "mirror rule #" + index + " ('" + filter + "' -> '" + kafkaTopic + "')";
    }
}
