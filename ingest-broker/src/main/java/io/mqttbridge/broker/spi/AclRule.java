package io.mqttbridge.broker.spi;

import java.util.Locale;
import java.util.Objects;

/**
 * One access rule: allow or deny an action on the topics a filter matches. The filter may hold the
 * placeholders {@code %c} (the client id) and {@code %u} (the user name), each standing for one
 * whole topic level, for example {@code devices/%c/#}.
 *
 * @param permission allow or deny
 * @param action what the rule is about
 * @param topicFilter an MQTT topic filter, possibly with placeholders
 */
public record AclRule(Permission permission, Action action, String topicFilter) {

    public enum Permission { ALLOW, DENY }

    public enum Action {
        PUBLISH, SUBSCRIBE, ALL;

        boolean covers(Action other) {
            return this == ALL || this == other;
        }
    }

    public static final String CLIENT_ID_PLACEHOLDER = "%c";
    public static final String USERNAME_PLACEHOLDER = "%u";

    public AclRule {
        Objects.requireNonNull(permission, "permission");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(topicFilter, "topicFilter");
        String probe = topicFilter.replace(CLIENT_ID_PLACEHOLDER, "x").replace(USERNAME_PLACEHOLDER, "x");
        String problem = TopicFilters.validateFilter(probe);
        if (problem != null) {
            throw new IllegalArgumentException("invalid ACL topic filter '" + topicFilter + "': " + problem);
        }
    }

    public static AclRule allow(Action action, String topicFilter) {
        return new AclRule(Permission.ALLOW, action, topicFilter);
    }

    public static AclRule deny(Action action, String topicFilter) {
        return new AclRule(Permission.DENY, action, topicFilter);
    }

    /** Parses {@code "publish"}, {@code "subscribe"} or {@code "all"} (any case). */
    public static Action parseAction(String text) {
        try {
            return Action.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown ACL action '" + text + "' (expected publish, subscribe or all)", e);
        }
    }

    /**
     * The filter with placeholders replaced, or {@code null} when the rule cannot apply to this
     * identity: a placeholder has no value, or the value would inject wildcards or extra levels.
     */
    String resolveFilter(String clientId, String username) {
        String resolved = topicFilter;
        if (resolved.contains(CLIENT_ID_PLACEHOLDER)) {
            if (!isSafeLevel(clientId)) {
                return null;
            }
            resolved = resolved.replace(CLIENT_ID_PLACEHOLDER, clientId);
        }
        if (resolved.contains(USERNAME_PLACEHOLDER)) {
            if (!isSafeLevel(username)) {
                return null;
            }
            resolved = resolved.replace(USERNAME_PLACEHOLDER, username);
        }
        return resolved;
    }

    private static boolean isSafeLevel(String value) {
        return value != null && !value.isEmpty()
                && value.indexOf('/') < 0 && value.indexOf('+') < 0 && value.indexOf('#') < 0;
    }
}
