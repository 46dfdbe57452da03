package io.mqttbridge.broker.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which MQTT client ids an authenticated identity may use, so that one device can never connect
 * under another device's client id (and so take over its session or publish in its name).
 *
 * <p>A pattern is literal text with two markers: {@code %u} stands for the authenticated identity
 * (a registry device id, a certificate's identity, a token's device claim) and {@code *} for any
 * run of characters, possibly empty. Examples:
 * <ul>
 *   <li>{@code %u} (the default): the client id must equal the identity;
 *   <li>{@code %u-*}: {@code sensor-1-a}, {@code sensor-1-} for identity {@code sensor-1};
 *   <li>{@code *}: any client id ({@link #FREE}); only where the operator explicitly allows it.
 * </ul>
 * A pattern other than {@code *} must contain {@code %u}: a fixed pattern would let every identity
 * use the same client ids.
 *
 * <p>Immutable and thread-safe; {@link #allows} does no allocation beyond the identity's length.
 */
public final class ClientIdBinding {

    public static final String IDENTITY_PLACEHOLDER = "%u";
    public static final String DEFAULT_PATTERN = IDENTITY_PLACEHOLDER;
    public static final ClientIdBinding EQUAL_TO_IDENTITY = new ClientIdBinding(DEFAULT_PATTERN);
    public static final ClientIdBinding FREE = new ClientIdBinding("*");

    private final String pattern;

    private ClientIdBinding(String pattern) {
        this.pattern = pattern;
    }

    /**
     * @param pattern the configured pattern
     * @param key the configuration key, named in the error
     * @throws IllegalArgumentException naming {@code key} when the pattern is empty or lacks {@code %u}
     */
    public static ClientIdBinding parse(String pattern, String key) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("'" + key + "' must not be empty (use %u, a template such as %u-*, or *)");
        }
        if (pattern.equals("*")) {
            return FREE;
        }
        if (!pattern.contains(IDENTITY_PLACEHOLDER)) {
            throw new IllegalArgumentException("'" + key + "' must contain %u (or be * for any client id), was '"
                    + pattern + "'");
        }
        return pattern.equals(DEFAULT_PATTERN) ? EQUAL_TO_IDENTITY : new ClientIdBinding(pattern);
    }

    /** Whether {@code clientId} may be used by {@code identity}; never for a null or empty identity. */
    public boolean allows(String identity, String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        if (this == FREE) {
            return true;
        }
        if (identity == null || identity.isEmpty()) {
            return false;
        }
        String expanded = pattern.replace(IDENTITY_PLACEHOLDER, identity.replace("*", "\u0000"));
        return globMatches(expanded, 0, clientId.replace("*", "\u0000"), 0);
    }

    /**
     * Longer identities that this pattern also lets use {@code clientId}, which {@code identity} may
     * use: with {@code %u-*}, client id {@code p-x-1} fits both device {@code p} and device {@code p-x}.
     * Such a client id belongs to the longest identity it fits (the most specific one), so the caller
     * refuses it to {@code identity} when one of these exists. At most {@code max}, longest first;
     * none for {@code *}, {@code %u} alone, or a pattern with {@code *} before {@code %u}.
     */
    public List<String> longerIdentitiesAllowed(String identity, String clientId, int max) {
        int at = pattern.indexOf(IDENTITY_PLACEHOLDER);
        if (this == FREE || identity == null || at < 0) {
            return List.of();
        }
        String before = pattern.substring(0, at);
        String after = pattern.substring(at + IDENTITY_PLACEHOLDER.length());
        if (after.isEmpty() || before.indexOf('*') >= 0 || !clientId.startsWith(before)) {
            return List.of();
        }
        // The character after a longer identity is the pattern's next literal one (e.g. the '-'), if any.
        char next = after.charAt(0);
        int start = before.length();
        List<String> found = new ArrayList<>(0);
        for (int end = clientId.length(); end > start + identity.length() && found.size() < max; end--) {
            boolean boundary = next == '*' || end < clientId.length() && clientId.charAt(end) == next;
            if (boundary && allows(clientId.substring(start, end), clientId)) {
                found.add(clientId.substring(start, end));
            }
        }
        return found;
    }

    public boolean isFree() {
        return this == FREE;
    }

    public String pattern() {
        return pattern;
    }

    /** Glob match where only {@code *} is special (identity characters were escaped as NUL-for-star). */
    private static boolean globMatches(String glob, int g, String text, int t) {
        while (g < glob.length()) {
            char c = glob.charAt(g);
            if (c == '*') {
                for (int skip = t; skip <= text.length(); skip++) {
                    if (globMatches(glob, g + 1, text, skip)) {
                        return true;
                    }
                }
                return false;
            }
            if (t >= text.length() || text.charAt(t) != c) {
                return false;
            }
            g++;
            t++;
        }
        return t == text.length();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
