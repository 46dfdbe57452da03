package io.mqttbridge.broker.spi;

import static io.mqttbridge.broker.spi.AclRule.Action.ALL;
import static io.mqttbridge.broker.spi.AclRule.Action.PUBLISH;
import static io.mqttbridge.broker.spi.AclRule.Action.SUBSCRIBE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AclRuleSetTest {

    @Test
    void clientIdAndUsernamePlaceholdersAreResolvedForTheIdentity() {
        AclRuleSet rules = AclRuleSet.forIdentity(
                List.of(AclRule.allow(PUBLISH, "devices/%c/%u/#")), "dev-1", "alice");

        assertThat(rules.mayPublish("devices/dev-1/alice/temp")).isTrue();
        assertThat(rules.mayPublish("devices/dev-2/alice/temp")).isFalse();
        assertThat(rules.mayPublish("devices/dev-1/bob/temp")).isFalse();
    }

    @Test
    void withoutAnyMatchingRuleNothingIsAllowed() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(PUBLISH, "a/b")), "c", "u");

        assertThat(rules.mayPublish("a/c")).isFalse();
        assertThat(rules.maySubscribe("a/b")).isFalse();
        assertThat(AclRuleSet.forIdentity(List.of(), "c", "u").mayPublish("a")).isFalse();
    }

    @Test
    void actionRestrictsWhatTheRuleIsAbout() {
        AclRuleSet rules = AclRuleSet.forIdentity(
                List.of(AclRule.allow(PUBLISH, "pub/#"), AclRule.allow(SUBSCRIBE, "sub/#"), AclRule.allow(ALL, "both/#")),
                "c", "u");

        assertThat(rules.mayPublish("pub/x")).isTrue();
        assertThat(rules.maySubscribe("pub/x")).isFalse();
        assertThat(rules.mayPublish("sub/x")).isFalse();
        assertThat(rules.maySubscribe("sub/x")).isTrue();
        assertThat(rules.mayPublish("both/x")).isTrue();
        assertThat(rules.maySubscribe("both/#")).isTrue();
    }

    @Test
    void denyListedBeforeAllowWins() {
        AclRuleSet rules = AclRuleSet.forIdentity(
                List.of(AclRule.deny(ALL, "a/secret"), AclRule.allow(ALL, "a/#")), "c", "u");

        assertThat(rules.mayPublish("a/secret")).isFalse();
        assertThat(rules.mayPublish("a/public")).isTrue();
        assertThat(rules.maySubscribe("a/secret")).isFalse();
        assertThat(rules.maySubscribe("a/public")).isTrue();
    }

    @Test
    void subscriptionOverlappingADeniedTopicIsGrantedAndHidesOnlyTheDeniedTopic() {
        AclRuleSet rules = AclRuleSet.forIdentity(
                List.of(AclRule.deny(SUBSCRIBE, "a/secret"), AclRule.allow(SUBSCRIBE, "#")), "c", "u");

        for (String filter : List.of("a/#", "+/secret", "#", "+/+")) {
            DeliveryFilter delivery = rules.subscriptionFilter(filter);
            assertThat(delivery).as(filter).isNotNull().isNotSameAs(DeliveryFilter.ALL);
            assertThat(delivery.allows("a/secret")).as(filter).isFalse();
            assertThat(delivery.allows("b/secret")).as(filter).isTrue();
        }
        assertThat(rules.subscriptionFilter("a/secret")).isNull();
        assertThat(rules.subscriptionFilter("a/+/x")).isSameAs(DeliveryFilter.ALL);
        assertThat(rules.subscriptionFilter("b/#")).isSameAs(DeliveryFilter.ALL);
    }

    @Test
    void subscriptionEntirelyInsideADeniedFilterIsRefused() {
        AclRuleSet rules = AclRuleSet.forIdentity(
                List.of(AclRule.deny(ALL, "admin/#"), AclRule.allow(ALL, "#")), "c", "u");

        assertThat(rules.maySubscribe("admin/+")).isFalse();
        assertThat(rules.maySubscribe("admin/#")).isFalse();
        assertThat(rules.maySubscribe("admin")).as("admin/# also matches admin").isFalse();
        assertThat(rules.maySubscribe("#")).isTrue();
    }

    @Test
    void partialRulesAreCheckedInOrderForEachDeliveredTopic() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(SUBSCRIBE, "a/b/open"),
                AclRule.deny(SUBSCRIBE, "a/b/#"), AclRule.allow(SUBSCRIBE, "a/#")), "c", "u");

        DeliveryFilter delivery = rules.subscriptionFilter("a/+/+");
        assertThat(delivery.allows("a/b/open")).isTrue();
        assertThat(delivery.allows("a/b/closed")).isFalse();
        assertThat(delivery.allows("a/c/d")).isTrue();
    }

    @Test
    void anAllowRuleCoveringOnlyPartOfAFilterDoesNotGrantIt() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(SUBSCRIBE, "sensors/%c/#")), "c", "u");

        assertThat(rules.maySubscribe("#")).isFalse();
        assertThat(rules.maySubscribe("sensors/+/temp")).isFalse();
        assertThat(rules.subscriptionFilter("sensors/c/temp")).isSameAs(DeliveryFilter.ALL);
    }

    @Test
    void usernamePlaceholderIsTheAuthenticatedIdentityNotTheUserNameSent() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(ALL, "users/%u/#")),
                new DeviceIdentity("dev-1", "someone-else", "c", List.of()));

        assertThat(rules.mayPublish("users/dev-1/x")).isTrue();
        assertThat(rules.mayPublish("users/someone-else/x")).isFalse();
        assertThat(AclRuleSet.forIdentity(List.of(AclRule.allow(ALL, "users/%u/#")),
                new DeviceIdentity(null, "someone-else", "c", List.of())).mayPublish("users/someone-else/x")).isFalse();
    }

    @Test
    void subscriptionIsAllowedOnlyWhenAnAllowRuleCoversItEntirely() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(SUBSCRIBE, "a/+")), "c", "u");

        assertThat(rules.maySubscribe("a/b")).isTrue();
        assertThat(rules.maySubscribe("a/+")).isTrue();
        assertThat(rules.maySubscribe("a/#")).as("a/# also matches a and a/b/c").isFalse();
        assertThat(rules.maySubscribe("+/b")).isFalse();
    }

    @Test
    void leadingWildcardRulesDoNotGrantDollarTopics() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(ALL, "#")), "c", "u");

        assertThat(rules.mayPublish("$SYS/broker")).isFalse();
        assertThat(rules.maySubscribe("$SYS/#")).isFalse();
        assertThat(rules.mayPublish("x")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "+", "#", "a/#", "", "%u"})
    void clientIdWithSeparatorOrWildcardNeverWidensAnAllowRule(String clientId) {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(ALL, "devices/%c/#")), clientId, "alice");

        assertThat(rules.mayPublish("devices/a/b/x")).isFalse();
        assertThat(rules.mayPublish("devices/other/x")).isFalse();
        assertThat(rules.mayPublish("devices/alice/x")).isFalse();
        assertThat(rules.maySubscribe("devices/#")).isFalse();
        assertThat(rules.maySubscribe("devices/+/x")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "+", "#"})
    void usernameWithSeparatorOrWildcardNeverWidensAnAllowRule(String username) {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(ALL, "users/%u")), "c", username);

        assertThat(rules.mayPublish("users/a/b")).isFalse();
        assertThat(rules.mayPublish("users/x")).isFalse();
        assertThat(rules.maySubscribe("users/+")).isFalse();
    }

    @Test
    void clientIdLookingLikeAUsernamePlaceholderIsTakenLiterally() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(ALL, "devices/%c/#")), "%u", "alice");

        assertThat(rules.mayPublish("devices/alice/x")).isFalse();
        assertThat(rules.mayPublish("devices/%u/x")).isTrue();
    }

    @Test
    void clientIdStartingWithDollarCannotReachDollarTopics() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(ALL, "%c/#")), "$SYS", "u");

        assertThat(rules.mayPublish("$SYS/broker/clients")).isFalse();
        assertThat(rules.maySubscribe("$SYS/#")).isFalse();
    }

    @Test
    void denyRuleWithUnusablePlaceholderValueIsWidenedNotDropped() {
        List<AclRule> acl = List.of(AclRule.deny(ALL, "private/%u/x"), AclRule.allow(ALL, "#"));

        AclRuleSet slashUser = AclRuleSet.forIdentity(acl, "c", "a/b");
        assertThat(slashUser.mayPublish("private/a/b/x")).isFalse();
        assertThat(slashUser.mayPublish("private/anything")).isFalse();
        assertThat(slashUser.mayPublish("public/x")).isTrue();

        AclRuleSet noUser = AclRuleSet.forIdentity(acl, "c", null);
        assertThat(noUser.mayPublish("private/x/x")).isFalse();
        assertThat(noUser.maySubscribe("private/#")).isFalse();
    }

    @Test
    void ruleWithoutUsernameValueDoesNotApply() {
        AclRuleSet rules = AclRuleSet.forIdentity(List.of(AclRule.allow(ALL, "users/%u/#")), "c", null);

        assertThat(rules.mayPublish("users/null/x")).isFalse();
        assertThat(rules.mayPublish("users//x")).isFalse();
    }

    @Test
    void invalidRuleFilterIsRejectedAtConstruction() {
        assertThatThrownBy(() -> AclRule.allow(ALL, "a/#/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a/#/b");
        assertThatThrownBy(() -> AclRule.parseAction("write")).hasMessageContaining("write");
    }
}
