package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.spi.AclRule;

import java.util.Locale;

/**
 * One ACL rule as written in the configuration file:
 * {@code {permission: allow|deny, action: publish|subscribe|all, topic: "devices/%c/#"}}.
 * The topic filter may use {@code %c} (client id) and {@code %u} (user name).
 */
public class FileAclRule {

    public static final String DEFAULT_PERMISSION = "allow";

    private String permission = DEFAULT_PERMISSION;
    private String action;
    private String topic;

    public FileAclRule() {
    }

    public FileAclRule(String permission, String action, String topic) {
        this.permission = permission;
        this.action = action;
        this.topic = topic;
    }

    public String getPermission() {
        return permission;
    }

    public void setPermission(String permission) {
        this.permission = permission;
    }

    public String getAction() {
        return action;
    }

    public void setAction(String action) {
        this.action = action;
    }

    public String getTopic() {
        return topic;
    }

    public void setTopic(String topic) {
        this.topic = topic;
    }

    /**
     * The SPI rule this entry describes.
     *
     * @param key where this rule sits in the configuration, e.g. {@code users[0].acl[2]}, for messages
     * @throws IllegalArgumentException naming the offending key
     */
    public AclRule toAclRule(String key) {
        AclRule.Permission parsedPermission = parsePermission(key);
        if (action == null || action.isBlank()) {
            throw new IllegalArgumentException(key + ".action: required (publish, subscribe or all)");
        }
        AclRule.Action parsedAction;
        try {
            parsedAction = AclRule.parseAction(action);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ".action: " + e.getMessage(), e);
        }
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException(key + ".topic: required (an MQTT topic filter)");
        }
        try {
            return new AclRule(parsedPermission, parsedAction, topic);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ".topic: " + e.getMessage(), e);
        }
    }

    private AclRule.Permission parsePermission(String key) {
        String text = permission == null ? DEFAULT_PERMISSION : permission.trim().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "allow" -> AclRule.Permission.ALLOW;
            case "deny" -> AclRule.Permission.DENY;
            default -> throw new IllegalArgumentException(
                    key + ".permission: unknown permission '" + permission + "' (expected allow or deny)");
        };
    }
}
