package io.mqttbridge.broker.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicFiltersTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "/", "a//b", "+", "#", "a/+/c", "a/#", "+/+", "$SYS/#", "/+", "a/+/#"})
    void validFiltersAreAccepted(String filter) {
        assertThat(TopicFilters.validateFilter(filter)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a#", "a/#/b", "#/a", "a+", "a/b+/c", "+a", "a/\u0000"})
    void invalidFiltersAreRejectedWithAReason(String filter) {
        assertThat(TopicFilters.validateFilter(filter)).isNotBlank();
    }

    @Test
    void nullFilterIsRejected() {
        assertThat(TopicFilters.validateFilter(null)).isEqualTo("must not be empty");
    }

    @Test
    void filterLongerThan65535Utf8BytesIsRejected() {
        assertThat(TopicFilters.validateFilter("é".repeat(32_768))).contains("65535");
        assertThat(TopicFilters.validateFilter("a".repeat(65_535))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#", "+", "#"})
    void topicNamesWithWildcardsAreRejected(String name) {
        assertThat(TopicFilters.validateTopicName(name)).contains("wildcards");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b", "/", "$SYS/x", " "})
    void plainTopicNamesAreAccepted(String name) {
        assertThat(TopicFilters.validateTopicName(name)).isNull();
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
            "a/b, a/b, true",
            "a/b, a/c, false",
            "a/+, a/b, true",
            "a/+, a/b/c, false",
            "a/+, a, false",
            "a/+, a/, true",
            "a/#, a, true",
            "a/#, a/b/c, true",
            "a/#, ab, false",
            "#, a/b, true",
            "+/+, /, true",
            "+, /a, false",
            "#, $SYS/x, false",
            "+/x, $SYS/x, false",
            "$SYS/#, $SYS/x, true",
            "$SYS/+, $SYS/x, true",
            "a/b, a/b/c, false",
            "a/b/c, a/b, false",
    })
    void matchesFollowsTheSpecification(String filter, String topic, boolean expected) {
        assertThat(TopicFilters.matches(filter, topic)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
            "a/#, a/#, true",
            "a/#, a, true",
            "a/#, a/b/+, true",
            "a/+, a/b, true",
            "a/+, a/+, true",
            "a/+, a/#, false",
            "a/b, a/+, false",
            "+, #, false",
            "#, +/x, true",
            "#, $SYS/x, false",
            "+/#, $SYS/#, false",
            "$SYS/#, $SYS/a/b, true",
            "a/+/#, a/#, false",
            "a/+, a/b/c, false",
            "a/b, a, false",
    })
    void coversHoldsOnlyWhenEveryMatchedTopicIsMatchedByTheOuterFilter(String outer, String inner, boolean expected) {
        assertThat(TopicFilters.covers(outer, inner)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} overlaps {1}: {2}")
    @CsvSource({
            "a/b, a/b, true",
            "a/b, a/c, false",
            "a/+, +/b, true",
            "a/#, a, true",
            "a, a/#, true",
            "a, a/+/#, false",
            "a/+, a/+/#, true",
            "a/b/c, a/+, false",
            "#, $SYS/x, false",
            "$SYS/x, +/x, false",
            "$SYS/#, $SYS/x, true",
            "+, #, true",
            "x/#, y/#, false",
    })
    void overlapsHoldsWhenSomeTopicMatchesBoth(String a, String b, boolean expected) {
        assertThat(TopicFilters.overlaps(a, b)).isEqualTo(expected);
        assertThat(TopicFilters.overlaps(b, a)).as("symmetric").isEqualTo(expected);
    }

    /**
     * The level-walking matcher against the definition it replaced (split both at '/' and compare level
     * by level) on every pair of filters and topics built from a small alphabet, empty levels and '$'
     * topics included.
     */
    @Test
    void matchesAgreesWithTheLevelByLevelDefinitionOnEveryShortFilterAndTopic() {
        String[] levels = {"", "a", "b", "ab", "$x"};
        String[] filterLevels = {"", "a", "b", "ab", "$x", "+", "#"};
        java.util.List<String> topics = new java.util.ArrayList<>();
        java.util.List<String> filters = new java.util.ArrayList<>();
        for (int depth = 1; depth <= 3; depth++) {
            combine(levels, depth, null, topics);
            combine(filterLevels, depth, null, filters);
        }
        topics.removeIf(t -> TopicFilters.validateTopicName(t) != null);
        filters.removeIf(f -> TopicFilters.validateFilter(f) != null);
        int compared = 0;
        for (String filter : filters) {
            for (String topic : topics) {
                assertThat(TopicFilters.matches(filter, topic)).as("'%s' matches '%s'", filter, topic)
                        .isEqualTo(matchesBySplitting(filter, topic));
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(10_000);
    }

    /** Every join of {@code depth} parts with '/'. */
    private static void combine(String[] parts, int depth, String prefix, java.util.List<String> out) {
        for (String part : parts) {
            String joined = prefix == null ? part : prefix + "/" + part;
            if (depth == 1) {
                out.add(joined);
            } else {
                combine(parts, depth - 1, joined, out);
            }
        }
    }

    private static boolean matchesBySplitting(String filter, String topicName) {
        String[] f = filter.split("/", -1);
        String[] t = topicName.split("/", -1);
        if ((f[0].equals("#") || f[0].equals("+")) && topicName.startsWith("$")) {
            return false;
        }
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length) {
                return false;
            }
            if (!f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    @Test
    void wildcardFiltersAreRecognised() {
        assertThat(TopicFilters.isWildcardFilter("a/+")).isTrue();
        assertThat(TopicFilters.isWildcardFilter("a/#")).isTrue();
        assertThat(TopicFilters.isWildcardFilter("a/b")).isFalse();
    }
}
