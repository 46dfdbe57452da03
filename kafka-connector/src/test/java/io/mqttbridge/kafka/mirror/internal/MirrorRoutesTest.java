package io.mqttbridge.kafka.mirror.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.kafka.mirror.KeyStrategy;
import io.mqttbridge.kafka.mirror.MirrorRule;
import java.util.List;
import org.junit.jupiter.api.Test;

class MirrorRoutesTest {

    @Test
    void firstMatchingRuleWinsAndUnmatchedTopicsHaveNoRoute() {
        MirrorRoutes routes = MirrorRoutes.compile(List.of(
                new MirrorRule("a/+", "first"), new MirrorRule("a/#", "second")));

        assertThat(routes.routeFor("a/b").kafkaTopic(new String[] {"a", "b"})).isEqualTo("first");
        assertThat(routes.routeFor("a/b/c").kafkaTopic(new String[] {"a", "b", "c"})).isEqualTo("second");
        assertThat(routes.routeFor("b")).isNull();
        assertThat(routes.routeFor("$SYS/x")).isNull();
    }

    @Test
    void templateSubstitutesLevelsAndSanitizesIllegalCharacters() {
        TopicTemplate template = TopicTemplate.parse("t.{2}-{1}");

        assertThat(template.render(new String[] {"x y", "b/ä"})).isEqualTo("t.b__-x_y");
        assertThat(template.render(new String[] {"only"})).isNull();
    }

    @Test
    void templateResultThatIsNotALegalKafkaTopicIsRefused() {
        assertThat(TopicTemplate.parse("{1}").render(new String[] {".."})).isNull();
        assertThat(TopicTemplate.parse("{1}").render(new String[] {""})).isNull();
        assertThat(TopicTemplate.parse("p{1}").render(new String[] {"x".repeat(300)})).isNull();
    }

    @Test
    void invalidFilterIsReportedWithRuleIndexAndFilter() {
        assertThatThrownBy(() -> MirrorRoutes.compile(List.of(new MirrorRule("ok/#", "t"), new MirrorRule("a/#/b", "t"))))
                .hasMessageStartingWith("mirror rule #1 (filter 'a/#/b'): mqttTopicFilter");
    }

    @Test
    void illegalKafkaTopicCharacterIsReported() {
        assertThatThrownBy(() -> MirrorRoutes.compile(List.of(new MirrorRule("a", "bad topic"))))
                .hasMessageContaining("mirror rule #0 (filter 'a')").hasMessageContaining("contains ' '");
    }

    @Test
    void templateLevelBeyondAFixedLengthFilterIsReported() {
        assertThatThrownBy(() -> MirrorRoutes.compile(List.of(new MirrorRule("a/+", "t.{3}"))))
                .hasMessageContaining("uses level {3}");
        assertThatThrownBy(() -> MirrorRoutes.compile(List.of(new MirrorRule("a/+", "t.{0}"))))
                .hasMessageContaining("count from 1");
        assertThatThrownBy(() -> MirrorRoutes.compile(List.of(new MirrorRule("a/+", "t.{x"))))
                .hasMessageContaining("unclosed");
    }

    @Test
    void topicLevelKeyNeedsALevelWithinTheFilter() {
        assertThatThrownBy(() -> MirrorRoutes.compile(List.of(
                new MirrorRule("a/+", "t").setKeyStrategy(KeyStrategy.TOPIC_LEVEL))))
                .hasMessageContaining("keyTopicLevel must be 1 or more");
        assertThatThrownBy(() -> MirrorRoutes.compile(List.of(
                new MirrorRule("a/+", "t").setKeyStrategy(KeyStrategy.TOPIC_LEVEL).setKeyTopicLevel(3))))
                .hasMessageContaining("keyTopicLevel 3");
    }
}
