package io.mqttbridge.broker.auth.jwt.internal;

import io.mqttbridge.broker.auth.FileAclRule;
import io.mqttbridge.broker.spi.AclRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads ACL rules from a token claim: a JSON array whose entries are either strings
 * {@code "allow publish devices/%c/#"} (permission optional, default allow) or objects
 * {@code {"permission": "allow", "action": "publish", "topic": "devices/%c/#"}}.
 */
public final class AclClaim {

    private AclClaim() {
    }

    /** @throws IllegalArgumentException describing the first entry that is not a valid rule */
    public static List<AclRule> parse(Object claim, String claimName) {
        if (!(claim instanceof List<?> entries)) {
            throw new IllegalArgumentException("claim '" + claimName + "' must be an array of ACL rules");
        }
        List<AclRule> rules = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            String key = "claim " + claimName + "[" + i + "]";
            Object entry = entries.get(i);
            if (entry instanceof String text) {
                rules.add(fromText(text.trim(), key));
            } else if (entry instanceof Map<?, ?> object) {
                rules.add(new FileAclRule(string(object.get("permission"), FileAclRule.DEFAULT_PERMISSION),
                        string(object.get("action"), null), string(object.get("topic"), null)).toAclRule(key));
            } else {
                throw new IllegalArgumentException(key + ": must be a string or an object");
            }
        }
        return rules;
    }

    private static AclRule fromText(String text, String key) {
        String[] parts = text.split("\\s+");
        return switch (parts.length) {
            case 2 -> new FileAclRule(FileAclRule.DEFAULT_PERMISSION, parts[0], parts[1]).toAclRule(key);
            case 3 -> new FileAclRule(parts[0], parts[1], parts[2]).toAclRule(key);
            default -> throw new IllegalArgumentException(key + ": expected \"[allow|deny] publish|subscribe|all <topic filter>\"");
        };
    }

    private static String string(Object value, String fallback) {
        return value == null ? fallback : String.valueOf(value);
    }
}
