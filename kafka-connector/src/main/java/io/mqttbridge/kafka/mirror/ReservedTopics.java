package io.mqttbridge.kafka.mirror;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Kafka topics a mirror rule must never write to, whatever the MQTT topic a device picks: the
 * session-events topic, the downlink topics (exact names and the downlink's topic pattern) and its
 * dead-letter topic, the cluster's topics (its prefix), and every {@code __}-prefixed topic (Kafka's
 * own, such as {@code __consumer_offsets}). A device that could publish into them could forge
 * session events, dead letters an operator may replay, or another node's inbox, or send commands to
 * other devices.
 *
 * <p>Immutable and thread-safe.
 */
public final class ReservedTopics {

    /** Only Kafka's internal {@code __} topics. */
    public static final ReservedTopics INTERNAL_ONLY = new ReservedTopics(Set.of(), List.of(), null);

    private static final String INTERNAL_PREFIX = "__";

    private final Set<String> names;
    private final List<String> prefixes;
    private final Pattern pattern;

    private ReservedTopics(Set<String> names, List<String> prefixes, Pattern pattern) {
        this.names = names;
        this.prefixes = prefixes;
        this.pattern = pattern;
    }

    /**
     * @param names exact topic names (nulls and blanks ignored)
     * @param pattern a regular expression for further reserved topics (the downlink's
     *     {@code topicPattern}), or {@code null}/blank
     */
    public static ReservedTopics of(List<String> names, String pattern) {
        return of(names, List.of(), pattern);
    }

    /** @param prefixes topic name prefixes reserved too (the cluster's {@code <topicPrefix>.}) */
    public static ReservedTopics of(List<String> names, List<String> prefixes, String pattern) {
        Set<String> exact = names.stream().filter(n -> n != null && !n.isBlank())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        List<String> starts = prefixes.stream().filter(p -> p != null && !p.isBlank()).toList();
        return new ReservedTopics(exact, starts, pattern == null || pattern.isBlank() ? null : Pattern.compile(pattern));
    }

    public boolean isReserved(String kafkaTopic) {
        if (kafkaTopic.startsWith(INTERNAL_PREFIX) || names.contains(kafkaTopic)) {
            return true;
        }
        for (String prefix : prefixes) {
            if (kafkaTopic.startsWith(prefix)) {
                return true;
            }
        }
        return pattern != null && pattern.matcher(kafkaTopic).matches();
    }

    @Override
    public String toString() {
        return "__*, " + names + (prefixes.isEmpty() ? "" : ", " + prefixes.stream().map(p -> p + "*").toList())
                + (pattern == null ? "" : ", /" + pattern + "/");
    }
}
