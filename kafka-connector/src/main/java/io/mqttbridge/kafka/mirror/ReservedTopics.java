package io.mqttbridge.kafka.mirror;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Kafka topics a mirror rule must never write to, whatever the MQTT topic a device picks: the
 * session-events topic, the downlink topics (exact names and the downlink's topic pattern), and
 * every {@code __}-prefixed topic (Kafka's own, such as {@code __consumer_offsets}). A device that
 * could publish into them could forge session events or send commands to other devices.
 *
 * <p>Immutable and thread-safe.
 */
public final class ReservedTopics {

    /** Only Kafka's internal {@code __} topics. */
    public static final ReservedTopics INTERNAL_ONLY = new ReservedTopics(Set.of(), null);

    private static final String INTERNAL_PREFIX = "__";

    private final Set<String> names;
    private final Pattern pattern;

    private ReservedTopics(Set<String> names, Pattern pattern) {
        this.names = names;
        this.pattern = pattern;
    }

    /**
     * @param names exact topic names (nulls and blanks ignored)
     * @param pattern a regular expression for further reserved topics (the downlink's
     *     {@code topicPattern}), or {@code null}/blank
     */
    public static ReservedTopics of(List<String> names, String pattern) {
        Set<String> exact = names.stream().filter(n -> n != null && !n.isBlank()).collect(java.util.stream.Collectors.toUnmodifiableSet());
        return new ReservedTopics(exact, pattern == null || pattern.isBlank() ? null : Pattern.compile(pattern));
    }

    public boolean isReserved(String kafkaTopic) {
        return kafkaTopic.startsWith(INTERNAL_PREFIX) || names.contains(kafkaTopic)
                || (pattern != null && pattern.matcher(kafkaTopic).matches());
    }

    @Override
    public String toString() {
        return "__*, " + names + (pattern == null ? "" : ", /" + pattern + "/");
    }
}
