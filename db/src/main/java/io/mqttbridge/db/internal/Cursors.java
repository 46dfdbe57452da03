package io.mqttbridge.db.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * Opaque keyset cursors: base64url of the sort key of the last row of a page. Opaque so that
 * clients do not build them; decoding rejects anything this class did not produce.
 */
public final class Cursors {

    /** A time plus a tie-breaking key. */
    record TimeKey(Instant time, String key) {
    }

    private Cursors() {
    }

    public static String encodeText(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("k:" + key).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException naming the cursor when this class did not make it */
    public static String decodeText(String cursor) {
        String text = decode(cursor);
        if (!text.startsWith("k:")) {
            throw invalid(cursor);
        }
        return text.substring(2);
    }

    static String encodeTimeKey(Instant time, Object key) {
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, time);
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("t:" + micros + ":" + key).getBytes(StandardCharsets.UTF_8));
    }

    static TimeKey decodeTimeKey(String cursor) {
        String text = decode(cursor);
        int second = text.indexOf(':', 2);
        if (!text.startsWith("t:") || second < 0) {
            throw invalid(cursor);
        }
        try {
            long micros = Long.parseLong(text.substring(2, second));
            return new TimeKey(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), text.substring(second + 1));
        } catch (NumberFormatException e) {
            throw invalid(cursor);
        }
    }

    /*
     * Strict: a forged cursor whose bytes are not UTF-8, or hold U+0000 (which PostgreSQL's text
     * refuses), is invalid here rather than an error of the query that would use it.
     */
    private static String decode(String cursor) {
        String text;
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(cursor);
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (IllegalArgumentException | CharacterCodingException e) {
            throw invalid(cursor);
        }
        if (text.indexOf('\0') >= 0) {
            throw invalid(cursor);
        }
        return text;
    }

    private static IllegalArgumentException invalid(String cursor) {
        return new IllegalArgumentException("invalid cursor '" + cursor + "'");
    }
}
