package io.mqttbridge.broker.spi;

import java.nio.charset.StandardCharsets;

/**
 * Validation and matching of MQTT topic names and topic filters as the specifications define them
 * (MQTT 3.1.1 section 4.7, MQTT 5.0 section 4.7). This is the reference, level-by-level matcher for
 * single checks such as ACLs; routing to many subscriptions uses the broker's topic tree.
 */
public final class TopicFilters {

    public static final char SEPARATOR = '/';
    public static final String MULTI_LEVEL_WILDCARD = "#";
    public static final String SINGLE_LEVEL_WILDCARD = "+";
    private static final int MAX_UTF8_BYTES = 65_535;

    private TopicFilters() {
    }

    /** @return {@code null} if {@code topicName} is a valid topic name, else what is wrong with it */
    public static String validateTopicName(String topicName) {
        String common = validateCommon(topicName);
        if (common != null) {
            return common;
        }
        if (topicName.indexOf('+') >= 0 || topicName.indexOf('#') >= 0) {
            return "a topic name must not contain wildcards";
        }
        return null;
    }

    /** @return {@code null} if {@code filter} is a valid topic filter, else what is wrong with it */
    public static String validateFilter(String filter) {
        String common = validateCommon(filter);
        if (common != null) {
            return common;
        }
        String[] levels = levels(filter);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.indexOf('#') >= 0 && (!level.equals(MULTI_LEVEL_WILDCARD) || i != levels.length - 1)) {
                return "'#' must be a whole level and the last one";
            }
            if (level.indexOf('+') >= 0 && !level.equals(SINGLE_LEVEL_WILDCARD)) {
                return "'+' must be a whole level";
            }
        }
        return null;
    }

    private static String validateCommon(String text) {
        if (text == null || text.isEmpty()) {
            return "must not be empty";
        }
        if (text.indexOf('\u0000') >= 0) {
            return "must not contain U+0000";
        }
        if (text.length() > MAX_UTF8_BYTES / 3 && text.getBytes(StandardCharsets.UTF_8).length > MAX_UTF8_BYTES) {
            return "longer than 65535 bytes in UTF-8";
        }
        return null;
    }

    /**
     * Whether {@code filter} matches {@code topicName}. Both must be valid. Walks both strings level by
     * level without splitting them: it runs for every PUBLISH (permission checks) and allocates nothing.
     */
    public static boolean matches(String filter, String topicName) {
        int filterLength = filter.length();
        int topicLength = topicName.length();
        // In a valid filter a level holding a wildcard is that one character.
        char first = filterLength == 0 ? 0 : filter.charAt(0);
        if ((first == '#' || first == '+') && (filterLength == 1 || filter.charAt(1) == SEPARATOR)
                && topicName.startsWith("$")) {
            return false;
        }
        int f = 0;
        int t = 0; // past topicLength: the topic has no more levels
        while (true) {
            int filterEnd = filter.indexOf(SEPARATOR, f);
            if (filterEnd < 0) {
                filterEnd = filterLength;
            }
            int levelLength = filterEnd - f;
            if (levelLength == 1 && filter.charAt(f) == '#') {
                return true;
            }
            if (t > topicLength) {
                return false;
            }
            int topicEnd = topicName.indexOf(SEPARATOR, t);
            if (topicEnd < 0) {
                topicEnd = topicLength;
            }
            boolean singleLevelWildcard = levelLength == 1 && filter.charAt(f) == '+';
            if (!singleLevelWildcard && (levelLength != topicEnd - t
                    || !filter.regionMatches(f, topicName, t, levelLength))) {
                return false;
            }
            if (filterEnd == filterLength) {
                return topicEnd == topicLength;
            }
            f = filterEnd + 1;
            t = topicEnd + 1;
        }
    }

    /** Whether every topic that {@code inner} can match is also matched by {@code outer}. */
    public static boolean covers(String outer, String inner) {
        String[] o = levels(outer);
        String[] n = levels(inner);
        if (isWildcard(o[0]) && n[0].startsWith("$")) {
            return false;
        }
        for (int i = 0; i < o.length; i++) {
            if (o[i].equals(MULTI_LEVEL_WILDCARD)) {
                return true;
            }
            if (i >= n.length || n[i].equals(MULTI_LEVEL_WILDCARD)) {
                return false;
            }
            if (o[i].equals(SINGLE_LEVEL_WILDCARD)) {
                continue;
            }
            if (!o[i].equals(n[i])) {
                return false;
            }
        }
        return o.length == n.length;
    }

    /** Whether at least one topic name is matched by both filters. */
    public static boolean overlaps(String a, String b) {
        String[] x = levels(a);
        String[] y = levels(b);
        if ((isWildcard(x[0]) && y[0].startsWith("$")) || (isWildcard(y[0]) && x[0].startsWith("$"))) {
            return false;
        }
        int common = Math.min(x.length, y.length);
        for (int i = 0; i < common; i++) {
            if (x[i].equals(MULTI_LEVEL_WILDCARD) || y[i].equals(MULTI_LEVEL_WILDCARD)) {
                return true;
            }
            if (isWildcard(x[i]) || isWildcard(y[i])) {
                continue;
            }
            if (!x[i].equals(y[i])) {
                return false;
            }
        }
        if (x.length == y.length) {
            return true;
        }
        String[] longer = x.length > y.length ? x : y;
        // "a/#" also matches "a": the longer filter overlaps only if all it adds is a trailing '#'.
        return longer.length == common + 1 && longer[common].equals(MULTI_LEVEL_WILDCARD);
    }

    public static boolean isWildcardFilter(String filter) {
        return filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
    }

    private static boolean isWildcard(String level) {
        return level.equals(MULTI_LEVEL_WILDCARD) || level.equals(SINGLE_LEVEL_WILDCARD);
    }

    private static String[] levels(String topic) {
        return topic.split(String.valueOf(SEPARATOR), -1);
    }
}
