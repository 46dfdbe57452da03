package io.mqttbridge.db.history.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SessionEventParserInstantTest {

    @Test
    void readsEveryFormInstantToStringWritesAsInstantParseDoes() {
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 20_000; i++) {
            long seconds = random.nextLong(0, 253_402_300_799L); // 1970 .. 9999-12-31T23:59:59
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            String text = instant.toString();
            assertThat(SessionEventParser.plainUtcInstant(text)).as(text).isEqualTo(Instant.parse(text));
        }
        assertThat(SessionEventParser.plainUtcInstant("2026-11-26T10:00:00.5Z")).isEqualTo(Instant.parse("2026-11-26T10:00:00.5Z"));
    }

    @Test
    void leavesEveryOtherFormToInstantParse() {
        assertThat(SessionEventParser.plainUtcInstant("2026-11-26T10:00:00+01:00")).isNull();
        assertThat(SessionEventParser.plainUtcInstant("2026-02-30T10:00:00Z")).isNull();
        assertThat(SessionEventParser.plainUtcInstant("2026-11-26T24:00:00Z")).isNull();
        assertThat(SessionEventParser.plainUtcInstant("2026-11-26T10:00:00.Z")).isNull();
        assertThat(SessionEventParser.plainUtcInstant("2026-11-26T10:00:0xZ")).isNull();
        assertThat(SessionEventParser.plainUtcInstant("2026-11-26 10:00:00Z")).isNull();
        assertThat(SessionEventParser.plainUtcInstant("+12026-11-26T10:00:00Z")).isNull();
        assertThat(SessionEventParser.plainUtcInstant("yesterday")).isNull();
    }
}
