package io.mqttbridge.broker.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link TopicPermissions} from an ordered list of {@link AclRule}s, resolved for one identity.
 *
 * <p>Rules are read in order. For a publish, the first rule whose filter matches the topic decides.
 * For a subscription, a deny rule decides as soon as its filter overlaps the requested filter (the
 * subscription could receive a denied topic), and an allow rule decides when its filter covers the
 * requested filter entirely. When no rule decides, the answer is no.
 */
public final class AclRuleSet implements TopicPermissions {

    private record Resolved(AclRule.Permission permission, AclRule.Action action, String filter) {
    }

    private final List<Resolved> rules;

    private AclRuleSet(List<Resolved> rules) {
        this.rules = rules;
    }

    /**
     * Resolves the placeholders of {@code rules} for one identity. A client id or user name that is
     * missing, empty, or not a single wildcard-free level never widens access: allow rules that need
     * it are dropped, deny rules that need it are widened (see {@code AclRule.resolveFilter}).
     */
    public static AclRuleSet forIdentity(List<AclRule> rules, String clientId, String username) {
        List<Resolved> resolved = new ArrayList<>(rules.size());
        for (AclRule rule : rules) {
            String filter = rule.resolveFilter(clientId, username);
            if (filter != null) {
                resolved.add(new Resolved(rule.permission(), rule.action(), filter));
            }
        }
        return new AclRuleSet(List.copyOf(resolved));
    }

    @Override
    public boolean mayPublish(String topicName) {
        for (Resolved rule : rules) {
            if (rule.action().covers(AclRule.Action.PUBLISH) && TopicFilters.matches(rule.filter(), topicName)) {
                return rule.permission() == AclRule.Permission.ALLOW;
            }
        }
        return false;
    }

    @Override
    public boolean maySubscribe(String topicFilter) {
        for (Resolved rule : rules) {
            if (!rule.action().covers(AclRule.Action.SUBSCRIBE)) {
                continue;
            }
            if (rule.permission() == AclRule.Permission.DENY) {
                if (TopicFilters.overlaps(rule.filter(), topicFilter)) {
                    return false;
                }
            } else if (TopicFilters.covers(rule.filter(), topicFilter)) {
                return true;
            }
        }
        return false;
    }
}
