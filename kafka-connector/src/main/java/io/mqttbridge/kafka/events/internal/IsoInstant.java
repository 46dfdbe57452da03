package io.mqttbridge.kafka.events.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Writes an instant exactly as {@link Instant#toString()} does ({@code 2026-12-05T10:00:00.123456Z}:
 * seconds always, the fraction in groups of three digits as needed, none when zero) without a
 * {@code DateTimeFormatter}: every session event carries two or three instants, and the formatter
 * was the largest single item of writing one. Years outside 0000-9999, which {@code toString} writes
 * with a sign, are left to it. Thread-safe (stateless).
 */
public final class IsoInstant {

    private static final long FIRST_SECOND_OF_0000 = -62_167_219_200L;
    private static final long LAST_SECOND_OF_9999 = 253_402_300_799L;

    private IsoInstant() {
    }

    public static String format(Instant instant) {
        long seconds = instant.getEpochSecond();
        if (seconds < FIRST_SECOND_OF_0000 || seconds > LAST_SECOND_OF_9999) {
            return instant.toString();
        }
        int nanos = instant.getNano();
        int fractionDigits = nanos == 0 ? 0 : nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
        byte[] text = new byte[20 + (fractionDigits == 0 ? 0 : 1 + fractionDigits)];
        long day = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        LocalDate date = LocalDate.ofEpochDay(day);
        digits(text, 0, 4, date.getYear());
        text[4] = '-';
        digits(text, 5, 2, date.getMonthValue());
        text[7] = '-';
        digits(text, 8, 2, date.getDayOfMonth());
        text[10] = 'T';
        digits(text, 11, 2, secondOfDay / 3_600);
        text[13] = ':';
        digits(text, 14, 2, secondOfDay / 60 % 60);
        text[16] = ':';
        digits(text, 17, 2, secondOfDay % 60);
        int end = 19;
        if (fractionDigits > 0) {
            text[end++] = '.';
            int fraction = fractionDigits == 3 ? nanos / 1_000_000 : fractionDigits == 6 ? nanos / 1_000 : nanos;
            digits(text, end, fractionDigits, fraction);
            end += fractionDigits;
        }
        text[end] = 'Z';
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    /** {@code value} in decimal, zero-padded to {@code width} digits, at {@code text[from]}. */
    private static void digits(byte[] text, int from, int width, int value) {
        for (int i = from + width - 1; i >= from; i--) {
            text[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }
}
