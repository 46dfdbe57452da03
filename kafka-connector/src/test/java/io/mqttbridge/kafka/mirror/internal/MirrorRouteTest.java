package io.mqttbridge.kafka.mirror.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.kafka.mirror.KeyStrategy;
import io.mqttbridge.kafka.mirror.MirrorRule;
import java.util.List;
import org.junit.jupiter.api.Test;

class MirrorRouteTest {

    private static final List<String> FILTERS = List.of("#", "+", "+/#", "a", "a/#", "a/+", "a/+/c", "+/b/+", "a/b",
            "a//b", "/#", "+/+", "a/b/#", "$SYS/#", "$SYS/+", "a/+/#", "/", "//");
    private static final List<String> TOPICS = List.of("a", "a/b", "a/b/c", "a/b/c/d", "a/", "a//b", "/a", "/", "//",
            "b", "ab", "a/bc", "a/x/c", "x/b/y", "$SYS/x", "$SYS", "$SYS/x/y", "", "abc/b/c", "a/b/");

    private static MirrorRoute route(String filter, String kafkaTopic, KeyStrategy key) {
        MirrorRule rule = new MirrorRule();
        rule.setMqttTopicFilter(filter);
        rule.setKafkaTopic(kafkaTopic);
        rule.setKeyStrategy(key);
        return MirrorRoute.compile(0, rule);
    }

    @Test
    void matchesExactlyWhatTheBrokersTopicFiltersMatch() {
        for (String filter : FILTERS) {
            MirrorRoute route = route(filter, "k", KeyStrategy.NONE);
            for (String topic : TOPICS) {
                assertThat(route.matches(topic)).as("'%s' matches '%s'", filter, topic)
                        .isEqualTo(TopicFilters.matches(filter, topic));
            }
        }
    }

    @Test
    void aFixedTopicWithAClientIdKeyNeedsNoTopicLevels() {
        MirrorRoute fixed = route("#", "mqtt.messages", KeyStrategy.CLIENT_ID);
        assertThat(fixed.needsLevels()).isFalse();
        assertThat(fixed.keyIsClientId()).isTrue();
        assertThat(fixed.kafkaTopic(null)).isEqualTo("mqtt.messages");

        assertThat(route("#", "telemetry.{1}", KeyStrategy.CLIENT_ID).needsLevels()).isTrue();
        MirrorRule byLevel = new MirrorRule();
        byLevel.setMqttTopicFilter("#");
        byLevel.setKafkaTopic("t");
        byLevel.setKeyStrategy(KeyStrategy.TOPIC_LEVEL);
        byLevel.setKeyTopicLevel(2);
        assertThat(MirrorRoute.compile(0, byLevel).needsLevels()).isTrue();
    }
}
