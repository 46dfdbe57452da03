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

    @Test
    void wildcardFiltersAreRecognised() {
        assertThat(TopicFilters.isWildcardFilter("a/+")).isTrue();
        assertThat(TopicFilters.isWildcardFilter("a/#")).isTrue();
        assertThat(TopicFilters.isWildcardFilter("a/b")).isFalse();
    }
}
