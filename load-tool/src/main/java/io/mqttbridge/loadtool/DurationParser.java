package io.mqttbridge.loadtool;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations as written on the command line: {@code 500ms}, {@code 10s}, {@code 2m}, or ISO-8601. */
public final class DurationParser {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m)");

    private DurationParser() {
    }

    public static Duration parse(String text) {
        Matcher matcher = SIMPLE.matcher(text.trim());
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMinutes(amount);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 500ms, 10s, 2m)", e);
        }
    }
}
