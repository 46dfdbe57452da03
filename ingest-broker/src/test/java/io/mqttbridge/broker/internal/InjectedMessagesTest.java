package io.mqttbridge.broker.internal;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MessageTooLargeException;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.UserProperty;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InjectedMessagesTest {

    private static PublishedMessage message(String topic, int payloadBytes, MessageProperties properties) {
        return new PublishedMessage(topic, new byte[payloadBytes], 1, false, null, null, null, Instant.now(), properties);
    }

    private static BrokerConfig maxPacketSize(int bytes) {
        BrokerConfig config = new BrokerConfig();
        config.setMaxPacketSize(bytes);
        return config;
    }

    private static MessageProperties userProperty(String name, String value) {
        return new MessageProperties(null, null, null, null, null, List.of(new UserProperty(name, value)));
    }

    @Test
    void theWholePublishCountsAgainstTheMaximumPacketSizeIncludingItsProperties() {
        // Fixed header 1 + remaining-length 1; topic 2 + 3, packet id 2, properties length 1 + (payload
        // format 2, content type 3 + 1, user property 5 + 1 + 1 = 13), payload 100: 123 bytes.
        MessageProperties properties = new MessageProperties(1, null, "a", null, null, List.of(new UserProperty("n", "v")));
        PublishedMessage message = message("t/x", 100, properties);

        assertThat(InjectedMessages.refusal(message, maxPacketSize(123))).isNull();
        assertThat(InjectedMessages.refusal(message, maxPacketSize(122))).isInstanceOf(MessageTooLargeException.class)
                .hasMessageContaining("123 bytes").hasMessageContaining("broker.maxPacketSize");
        // Two bytes of remaining length from 128 on, and the expiry interval's five.
        PublishedMessage expiring = message("t/x", 200, new MessageProperties(null, 60L, null, null, null, List.of()));
        assertThat(InjectedMessages.publishPacketSize(expiring)).isEqualTo(1 + 2 + 2 + 3 + 2 + 1 + 5 + 200);
    }

    @Test
    void aPropertyNoMqttStringCanCarryIsRefusedNamingIt() {
        BrokerConfig large = maxPacketSize(1_000_000);

        assertThat(InjectedMessages.refusal(message("t", 0, userProperty("n".repeat(65_535), "v")), large)).isNull();
        assertThat(InjectedMessages.refusal(message("t", 0, userProperty("n".repeat(65_536), "v")), large))
                .isNotInstanceOf(MessageTooLargeException.class)
                .hasMessage("userProperties[0].name is longer than 65535 bytes in UTF-8");
        assertThat(InjectedMessages.refusal(message("t", 0, userProperty("n", "\u00e9".repeat(32_768))), large))
                .hasMessage("userProperties[0].value is longer than 65535 bytes in UTF-8");
        assertThat(InjectedMessages.refusal(message("t", 0, userProperty("n", "a\u0000")), large))
                .hasMessage("userProperties[0].value must not contain U+0000");
        assertThat(InjectedMessages.refusal(message("t", 0, userProperty("n", "a\ud83d")), large))
                .hasMessageContaining("unpaired surrogate");
        assertThat(InjectedMessages.refusal(message("t", 0, userProperty("n", "a\ud83d\ude00")), large)).isNull();
        assertThat(InjectedMessages.refusal(message("t", 0,
                new MessageProperties(null, null, "c".repeat(70_000), null, null, List.of())), large))
                .hasMessageContaining("contentType is longer than 65535 bytes");
        assertThat(InjectedMessages.refusal(message("t", 0,
                new MessageProperties(null, null, null, "r/+", null, List.of())), large))
                .hasMessageContaining("responseTopic");
        assertThat(InjectedMessages.refusal(message("t", 0,
                new MessageProperties(null, null, null, null, new byte[65_536], List.of())), large))
                .hasMessageContaining("correlationData");
    }

    @Test
    void aTopicWithAnUnpairedSurrogateOrInSysIsRefused() {
        BrokerConfig config = new BrokerConfig();

        assertThat(InjectedMessages.refusal(message("a/\ud83d", 0, MessageProperties.NONE), config))
                .hasMessageContaining("unpaired surrogate");
        assertThat(InjectedMessages.refusal(message("$SYS/x", 0, MessageProperties.NONE), config))
                .hasMessageContaining("$SYS");
        assertThat(InjectedMessages.refusal(message("a/\ud83d\ude00", 0, MessageProperties.NONE), config)).isNull();
    }
}
