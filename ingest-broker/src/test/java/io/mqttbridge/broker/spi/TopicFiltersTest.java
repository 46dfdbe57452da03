package io.mqttbridge.broker.spi;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TopicFiltersTest {

    @Test
    void invalidFiltersAndTopicNamesAreRejectedWithAReason() {
        assertThat(TopicFilters.validateFilter("a/#/b")).contains("'#'");
        assertThat(TopicFilters.validateFilter("a/b+")).contains("'+'");
        assertThat(TopicFilters.validateFilter("")).isNotNull();
        assertThat(TopicFilters.validateTopicName("a/+")).contains("wildcards");
        assertThat(TopicFilters.validateTopicName("a\u0000b")).isNotNull();
        assertThat(TopicFilters.validateFilter("a//b")).isNull();
        assertThat(TopicFilters.validateFilter("+/+/#")).isNull();
    }

    @Test
    void matchingFollowsTheSpecification() {
        assertThat(TopicFilters.matches("sport/#", "sport")).isTrue();
        assertThat(TopicFilters.matches("sport/+", "sport")).isFalse();
        assertThat(TopicFilters.matches("+/+", "/finance")).isTrue();
        assertThat(TopicFilters.matches("#", "$SYS/x")).isFalse();
        assertThat(TopicFilters.matches("$SYS/#", "$SYS/x")).isTrue();
    }

    @Test
    void aclRuleSetResolvesPlaceholdersAndDeniesOverlappingSubscriptions() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(
                AclRule.deny(AclRule.Action.SUBSCRIBE, "devices/%c/secret"),
                AclRule.allow(AclRule.Action.ALL, "devices/%c/#")), "dev1", "user");
        assertThat(rules.mayPublish("devices/dev1/temp")).isTrue();
        assertThat(rules.mayPublish("devices/dev2/temp")).isFalse();
        assertThat(rules.maySubscribe("devices/dev1/+")).isFalse();
        assertThat(rules.maySubscribe("devices/dev1/temp")).isTrue();
        assertThat(AclRuleSet.forIdentity(List.of(AclRule.allow(AclRule.Action.ALL, "devices/%c/#")), "a/b", null)
                .mayPublish("devices/a/b/x")).isFalse();
    }
}
