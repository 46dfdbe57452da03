package io.mqttbridge.api.resources.model;

import io.mqttbridge.api.errors.ApiException;
import io.mqttbridge.broker.spi.AclRule;

import java.util.Locale;

/**
 * An ACL rule as JSON: {@code {"permission": "allow", "action": "publish", "topicFilter": "devices/%c/#"}}.
 * Rules apply in order; the first matching rule decides.
 */
public record AclRuleBody(String permission, String action, String topicFilter) {

    public static AclRuleBody of(AclRule rule) {
        return new AclRuleBody(rule.permission().name().toLowerCase(Locale.ROOT),
                rule.action().name().toLowerCase(Locale.ROOT), rule.topicFilter());
    }

    /** @throws ApiException 400 naming the rule's position and what is wrong with it */
    public AclRule toRule(int index) {
        String where = "aclRules[" + index + "]";
        if (permission == null || action == null || topicFilter == null) {
            throw ApiException.badRequest(where + " needs permission, action and topicFilter");
        }
        AclRule.Permission parsedPermission = switch (permission.trim().toLowerCase(Locale.ROOT)) {
            case "allow" -> AclRule.Permission.ALLOW;
            case "deny" -> AclRule.Permission.DENY;
            default -> throw ApiException.badRequest(where + ".permission must be allow or deny, was '" + permission + "'");
        };
        try {
            return new AclRule(parsedPermission, AclRule.parseAction(action), topicFilter);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(where + ": " + e.getMessage());
        }
    }
}
