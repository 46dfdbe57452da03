package io.mqttbridge.broker.spi;

/**
 * Text a client chose (client id, user name, topic), made safe to put in a log line: control and
 * line-separator characters escaped, so that a client cannot forge log lines, and at most
 * {@value #MAX_CHARS} characters, so that a 64 KiB user name does not become a 64 KiB log line.
 */
public final class LogSafe {

    public static final int MAX_CHARS = 200;

    private LogSafe() {
    }

    /** {@code value} escaped and shortened; "null" for null. */
    public static String text(String value) {
        if (value == null) {
            return "null";
        }
        int end = Math.min(value.length(), MAX_CHARS);
        if (end < value.length() && Character.isHighSurrogate(value.charAt(end - 1))) {
            end--; // never half a character
        }
        StringBuilder escaped = null;
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            String replacement = escape(c);
            if (replacement != null && escaped == null) {
                escaped = new StringBuilder(end + 16).append(value, 0, i);
            }
            if (escaped != null) {
                escaped.append(replacement != null ? replacement : String.valueOf(c));
            }
        }
        String text = escaped != null ? escaped.toString() : value.substring(0, end);
        return end < value.length() ? text + "...(" + value.length() + " chars)" : text;
    }

    private static String escape(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                    ? String.format("\\u%04x", (int) c) : null;
        };
    }
}
