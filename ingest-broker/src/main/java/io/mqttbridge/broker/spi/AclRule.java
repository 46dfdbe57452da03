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
     * The filter with placeholders replaced for one identity, or {@code null} when the rule cannot
     * apply to it. A placeholder value is usable when it is present, non-empty and a single level
     * without wildcards. When a value is not usable, an allow rule is dropped (returns {@code null})
     * and a deny rule is widened to everything from the placeholder's level down
     * ({@code private/%u/x} becomes {@code private/#}), so that an odd client id or user name can
     * never widen access. An allow rule that the substitution would turn into a {@code $}-topic
     * filter is dropped too.
     *
     * <p>Placeholders are replaced in one pass over the filter, so a client id such as {@code "%u"}
     * is taken literally and never expanded again.
     */
    String resolveFilter(String clientId, String username) {
        if (!topicFilter.contains("%")) {
            return topicFilter;
        }
        boolean deny = permission == Permission.DENY;
        StringBuilder resolved = new StringBuilder(topicFilter.length() + 32);
        int i = 0;
        while (i < topicFilter.length()) {
            boolean clientIdHere = topicFilter.startsWith(CLIENT_ID_PLACEHOLDER, i);
            if (clientIdHere || topicFilter.startsWith(USERNAME_PLACEHOLDER, i)) {
                String value = clientIdHere ? clientId : username;
                if (!isSafeLevel(value)) {
                    return deny ? resolved.substring(0, resolved.lastIndexOf("/") + 1) + TopicFilters.MULTI_LEVEL_WILDCARD
                            : null;
                }
                resolved.append(value);
                i += 2;
            } else {
                resolved.append(topicFilter.charAt(i));
                i++;
            }
        }
        String filter = resolved.toString();
        if (TopicFilters.validateFilter(filter) != null) {
            return deny ? TopicFilters.MULTI_LEVEL_WILDCARD : null;
        }
        if (!deny && filter.startsWith("$") && !topicFilter.startsWith("$")) {
            return null;
        }
        return filter;
    }

    private static boolean isSafeLevel(String value) {
        return value != null && !value.isEmpty()
                && value.indexOf('/') < 0 && value.indexOf('+') < 0 && value.indexOf('#') < 0
                && value.indexOf('\u0000') < 0;
    }
}
