package io.mqttbridge.db;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StorableTextTest {

    @Test
    void u0000AndUnpairedSurrogatesAreRefusedAndPairsAreNot() {
        assertThat(StorableText.problem("plain / ü € \uD83D\uDCA7")).isNull();
        assertThat(StorableText.problem("")).isNull();
        assertThat(StorableText.problem("a\u0000")).isEqualTo("must not contain U+0000");
        assertThat(StorableText.problem("a\uD800")).isEqualTo("must not contain an unpaired UTF-16 surrogate (\\ud800)");
        assertThat(StorableText.problem("\uDC00a")).isEqualTo("must not contain an unpaired UTF-16 surrogate (\\udc00)");
        // A low surrogate before its high one is not a pair.
        assertThat(StorableText.problem("\uDCA7\uD83D")).contains("\\udca7");
        assertThat(StorableText.problem("\uD83D\uD83D\uDCA7")).contains("\\ud83d");
    }

    @Test
    void jsonValuesAreCheckedAtEveryDepthNamingThePlace() {
        StorableText.checkJson(Map.of("a", List.of(1, true, "x", Map.of("b", "\uD83D\uDCA7")), "n", 2), "metadata");
        StorableText.checkJson(null, "metadata");
        assertThatThrownBy(() -> StorableText.checkJson(Map.of("a", List.of("ok", Map.of("b", "\u0000"))), "metadata"))
                .hasMessage("metadata.a[1].b must not contain U+0000");
        assertThatThrownBy(() -> StorableText.checkJson(Map.of("a", Map.of("k\uD800", 1)), "metadata"))
                .hasMessage("a key of metadata.a must not contain an unpaired UTF-16 surrogate (\\ud800)");
        assertThatThrownBy(() -> StorableText.check("x\u0000", "displayName"))
                .hasMessage("displayName must not contain U+0000");
    }
}
