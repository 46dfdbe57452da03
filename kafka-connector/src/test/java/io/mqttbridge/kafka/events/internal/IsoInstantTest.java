package io.mqttbridge.kafka.events.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoInstantTest {

    @Test
    void writesWhatInstantToStringWrites() {
        Random random = new Random(2026);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(-62_167_219_200L - 1_000_000, 253_402_300_799L + 1_000_000);
            int nanos = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(1_000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            assertThat(IsoInstant.format(instant)).as("%s", instant).isEqualTo(instant.toString());
        }
    }

    @Test
    void theEdgesReadAsInstantToStringWritesThem() {
        for (Instant instant : List.of(Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(0, 1),
                Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999999999Z"),
                Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("-0001-12-31T23:59:59Z"), Instant.MAX, Instant.MIN,
                Instant.parse("2024-02-29T12:00:00.100Z"), Instant.parse("2026-12-05T10:00:00.000001Z"),
                Instant.parse("2026-12-05T10:00:00.010Z"), Instant.parse("2026-12-05T23:59:59.000000010Z"))) {
            assertThat(IsoInstant.format(instant)).isEqualTo(instant.toString());
        }
        assertThat(IsoInstant.format(Instant.parse("2026-12-05T10:00:00Z"))).isEqualTo("2026-12-05T10:00:00Z");
    }
}
