package io.mqttbridge.db.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AclRule.Action;
import io.mqttbridge.db.AclRuleRepository;
import io.mqttbridge.db.NewDevice;
import io.mqttbridge.db.NoSuchDeviceException;
import io.mqttbridge.db.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AclRuleRepositoryTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    private AclRuleRepository rules;

    @BeforeEach
    void clean() {
        db.truncateAll();
        rules = db.database().aclRules();
        db.database().devices().create(NewDevice.of("d1"));
        db.database().devices().create(NewDevice.of("d2"));
    }

    @Test
    void rulesComeBackInTheirOrderForTheirDeviceOnly() {
        List<AclRule> d1 = List.of(AclRule.deny(Action.PUBLISH, "devices/%c/secret"),
                AclRule.allow(Action.ALL, "devices/%c/#"), AclRule.allow(Action.SUBSCRIBE, "broadcast/+"));
        rules.replaceRules("d1", d1);
        rules.replaceRules("d2", List.of(AclRule.allow(Action.ALL, "#")));

        assertThat(rules.rulesFor("d1")).containsExactlyElementsOf(d1);
        assertThat(rules.rulesFor("d2")).containsExactly(AclRule.allow(Action.ALL, "#"));
        assertThat(rules.rulesFor("nobody")).isEmpty();
    }

    @Test
    void replacingRulesRemovesTheOldOnes() {
        rules.replaceRules("d1", List.of(AclRule.allow(Action.ALL, "a/#"), AclRule.allow(Action.ALL, "b/#")));
        rules.replaceRules("d1", List.of(AclRule.deny(Action.ALL, "c/#")));
        assertThat(rules.rulesFor("d1")).containsExactly(AclRule.deny(Action.ALL, "c/#"));
        rules.replaceRules("d1", List.of());
        assertThat(rules.rulesFor("d1")).isEmpty();
    }

    @Test
    void rulesOfAnUnknownDeviceAreRejected() {
        assertThatThrownBy(() -> rules.replaceRules("ghost", List.of(AclRule.allow(Action.ALL, "#"))))
                .isInstanceOf(NoSuchDeviceException.class);
    }
}
