package io.mqttbridge.db;

import java.util.regex.Pattern;

/** Checks the listen address of the embedded PostgreSQL without any name lookup. */
final class EmbeddedHosts {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

    private EmbeddedHosts() {
    }

    static boolean isIpLiteral(String host) {
        return host != null && (IPV4.matcher(host).matches() || IPV6.matcher(host).matches());
    }
}
