package io.mqttbridge.kafka.cluster.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * The formats of the cluster's compacted control topics (UTF-8 text, documented in
 * docs/ARCHITECTURE.md, "Cluster"):
 * <ul>
 *   <li>routes: key {@code <node id> NUL <topic filter>}, value {@code 1}, or a tombstone when the
 *       node's last subscriber to the filter left;</li>
 *   <li>nodes: key the node id, value {@code <instance id>,<started at ms>,<heartbeat at ms>}, a
 *       tombstone when the node stopped cleanly;</li>
 *   <li>claims: key the client id, value {@code <type>,<holder node>,<claim id>,<from node>[,<owner>]} with type
 *       {@code claim} (holder claims the client), {@code release} (from node handed the client over
 *       to the holder for that claim) or {@code disconnect} (from node asks the holder to disconnect
 *       the client), the optional owner being the identity the holder's session belongs to. Every
 *       value names the holder and its owner, so compaction keeps both.</li>
 * </ul>
 */
public final class ControlRecords {

    private static final char SEPARATOR = '\0';

    private ControlRecords() {
    }

    public static byte[] routeKey(String nodeId, String topicFilter) {
        return (nodeId + SEPARATOR + topicFilter).getBytes(UTF_8);
    }

    /** {node id, topic filter}, or {@code null} for a malformed key. */
    public static String[] parseRouteKey(byte[] key) {
        if (key == null) {
            return null;
        }
        String text = new String(key, UTF_8);
        int at = text.indexOf(SEPARATOR);
        if (at <= 0 || at == text.length() - 1) {
            return null;
        }
        return new String[] {text.substring(0, at), text.substring(at + 1)};
    }

    public static final byte[] ROUTE_PRESENT = "1".getBytes(UTF_8);

    /** A heartbeat of one node instance. */
    public record Heartbeat(String instanceId, long startedAtMillis, long sentAtMillis) {
        public byte[] encode() {
            return (instanceId + "," + startedAtMillis + "," + sentAtMillis).getBytes(UTF_8);
        }

        /** @return {@code null} for a malformed value */
        public static Heartbeat parse(byte[] value) {
            if (value == null) {
                return null;
            }
            String[] parts = new String(value, UTF_8).split(",", -1);
            if (parts.length != 3) {
                return null;
            }
            try {
                return new Heartbeat(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2]));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** The kinds of claim records. */
    public enum ClaimType {
        CLAIM, RELEASE, DISCONNECT,
        /** From a node asking the holder to end the client's session (an operator's request). */
        END
    }

    /**
     * One record of the claims topic.
     *
     * @param owner the authenticated identity the holder's session belongs to, {@code null} when
     *     anonymous or when the holder has no session of the client any more; last in the value, so
     *     it may contain commas
     */
    public record ClaimRecord(ClaimType type, String holder, String claimId, String from, String owner) {

        public ClaimRecord(ClaimType type, String holder, String claimId, String from) {
            this(type, holder, claimId, from, null);
        }

        public byte[] encode() {
            return (type.name().toLowerCase() + "," + holder + "," + claimId + "," + (from == null ? "" : from)
                    + (owner == null ? "" : "," + owner)).getBytes(UTF_8);
        }

        /** @return {@code null} for a malformed value */
        public static ClaimRecord parse(byte[] value) {
            if (value == null) {
                return null;
            }
            String[] parts = new String(value, UTF_8).split(",", 5);
            if (parts.length < 4) {
                return null;
            }
            ClaimType type;
            try {
                type = ClaimType.valueOf(parts[0].toUpperCase());
            } catch (IllegalArgumentException e) {
                return null;
            }
            return new ClaimRecord(type, parts[1], parts[2], parts[3].isEmpty() ? null : parts[3],
                    parts.length == 5 ? parts[4] : null);
        }
    }
}
