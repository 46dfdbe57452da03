package io.mqttbridge.broker.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {

    @Test
    void lineBreaksAndOtherControlCharactersAreEscapedSoThatNoLogLineCanBeForged() {
        assertThat(LogSafe.text("cid\nINFO  [2026-12-07] forged\r\u0000\u001b[31m\u2028x\u0085"))
                .isEqualTo("cid\\nINFO  [2026-12-07] forged\\r\\u0000\\u001b[31m\\u2028x\\u0085")
                .doesNotContain("\n", "\r");
    }

    @Test
    void ordinaryTextIsLeftAsItIs() {
        assertThat(LogSafe.text("plant-3/sensor-7 ✓ 🌡")).isEqualTo("plant-3/sensor-7 ✓ 🌡");
        assertThat(LogSafe.text(null)).isEqualTo("null");
    }

    @Test
    void longTextIsCutWithItsLengthAndNeverInTheMiddleOfACharacter() {
        assertThat(LogSafe.text("u".repeat(65_535))).isEqualTo("u".repeat(200) + "...(65535 chars)");
        String emoji = "x" + "🌡".repeat(150);
        assertThat(LogSafe.text(emoji)).isEqualTo("x" + "🌡".repeat(99) + "...(301 chars)");
    }
}
