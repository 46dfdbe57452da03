package io.mqttbridge.broker.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link TopicPermissions} from an ordered list of {@link AclRule}s, resolved for one identity.
 *
 * <p>Rules are read in order, and for every single topic the first rule whose filter matches it
 * decides; when none does, the answer is no. A publish is exactly that check on its topic.
 *
 * <p>A subscription filter stands for many topics, so it is decided once, when it is requested, by
 * the first rule whose filter covers it entirely (every topic it can match):
 * <ul>
 *   <li>That rule is a deny, or there is none: refused. Example: {@code deny admin/#} then
 *       {@code allow #}: {@code admin/+} is refused; {@code allow sensors/%c/#} alone: {@code #}
 *       is refused (an allow rule that covers only part of a filter never grants it, so a device
 *       cannot make every message in the broker pass through a subscription of its own).
 *   <li>That rule is an allow: granted. Earlier rules that overlap the filter only in part are
 *       kept with the subscription and checked, in order, for each topic delivered through it
 *       (retained messages included); a topic they deny is not delivered. Example:
 *       {@code deny admin/secret} then {@code allow #}: {@code #} and {@code +/+} are granted and
 *       receive everything except {@code admin/secret}.
 *   <li>When no earlier rule overlaps the filter, the subscription gets {@link DeliveryFilter#ALL}
 *       and nothing is checked per message.
 * </ul>
 */
public final class AclRuleSet implements TopicPermissions {

    private record Resolved(AclRule.Permission permission, AclRule.Action action, String filter) {
    }

    private final List<Resolved> rules;

    private AclRuleSet(List<Resolved> rules) {
        this.rules = rules;
    }

    /**
     * Resolves the placeholders of {@code rules} for an authenticated identity: {@code %c} is its
     * client id and {@code %u} its authenticated identity ({@link DeviceIdentity#deviceId()}), never
     * the unchecked user name the client sent; for an anonymous identity rules with {@code %u} are
     * dropped (allow) or widened (deny).
     */
    public static AclRuleSet forIdentity(List<AclRule> rules, DeviceIdentity identity) {
        return forIdentity(rules, identity.clientId(), identity.deviceId());
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

    /** Whether the subscription is granted at all; some of its topics may still be hidden (see the class). */
    @Override
    public boolean maySubscribe(String topicFilter) {
        return subscriptionFilter(topicFilter) != null;
    }

    @Override
    public DeliveryFilter subscriptionFilter(String topicFilter) {
        List<Resolved> partial = new ArrayList<>(0);
        for (Resolved rule : rules) {
            if (!rule.action().covers(AclRule.Action.SUBSCRIBE) || !TopicFilters.overlaps(rule.filter(), topicFilter)) {
                continue;
            }
            if (TopicFilters.covers(rule.filter(), topicFilter)) {
                if (rule.permission() == AclRule.Permission.DENY) {
                    return null;
                }
                return partial.isEmpty() ? DeliveryFilter.ALL : new PartialRules(partial.toArray(Resolved[]::new));
            }
            partial.add(rule);
        }
        return null;
    }

    /** The rules that overlap a granted filter in part, in order; the covering allow rule answers the rest. */
    private record PartialRules(Resolved[] rules) implements DeliveryFilter {
        @Override
        public boolean allows(String topicName) {
            for (Resolved rule : rules) {
                if (TopicFilters.matches(rule.filter(), topicName)) {
                    return rule.permission() == AclRule.Permission.ALLOW;
                }
            }
            return true;
        }
    }
}
