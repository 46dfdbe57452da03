package io.mqttbridge.api.resources.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code payloadEncoding=json} embeds a JSON payload exactly as it was published, or falls back to base64. */
class PayloadEncodingTest {

    private final ObjectMapper mapper = new ObjectMapper();

    private String rendered(byte[] payload) throws Exception {
        PayloadEncoding.Encoded encoded = PayloadEncoding.JSON.encode(payload);
        return mapper.writeValueAsString(Map.of("encoding", encoded.encoding(), "payload", encoded.payload()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e999", "0.1000000000000000055511151231257827", "{\"a\":1,\"a\":2}", "-0",
            "{\"k\": [1, 2.50, \"x\\u00e9\"],\n \"n\": null}", "\"text\"", "true", "123456789012345678901234567890"})
    void aJsonPayloadIsEmbeddedExactlyAsPublished(String json) throws Exception {
        String rendered = rendered(json.getBytes(StandardCharsets.UTF_8));

        assertThat(rendered).contains("\"payload\":" + json).contains("\"encoding\":\"json\"");
        assertThat(mapper.readTree(rendered).get("payload")).isEqualTo(mapper.readTree(json));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "{\"a\":1} trailing", "{\"a\":", "NaN", "'single'", "01", "{\"a\":\"\u0001\"}",
            "\uFEFF{\"a\":1}", "[1,2]]"})
    void aPayloadThatIsNotOneStrictJsonValueFallsBackToBase64(String text) throws Exception {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);

        assertThat(mapper.readTree(rendered(payload)).get("encoding").asText()).isEqualTo("base64");
        assertThat(mapper.readTree(rendered(payload)).get("payload").asText())
                .isEqualTo(Base64.getEncoder().encodeToString(payload));
    }

    @ParameterizedTest
    @ValueSource(strings = {"22c3", "7b2261223a22ff227d"})
    void aPayloadThatIsNotUtf8FallsBackToBase64(String hex) throws Exception {
        byte[] payload = java.util.HexFormat.of().parseHex(hex);

        assertThat(mapper.readTree(rendered(payload)).get("encoding").asText()).isEqualTo("base64");
    }
}
