package io.mqttbridge.kafka.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MqttVersion;
import io.mqttbridge.broker.spi.PublishedMessage;
import java.time.Instant;

/** Builders of {@link PublishedMessage}s as the broker would hand them to a sink. */
public final class Messages {

    private Messages() {
    }

    public static PublishedMessage mqtt311(String clientId, String topic, String payload) {
        return new PublishedMessage(topic, payload.getBytes(UTF_8), 1, false, clientId, null,
                MqttVersion.MQTT_3_1_1, Instant.now(), MessageProperties.NONE);
    }

    public static PublishedMessage mqtt311(String clientId, String topic, byte[] payload) {
        return new PublishedMessage(topic, payload, 1, false, clientId, null,
                MqttVersion.MQTT_3_1_1, Instant.now(), MessageProperties.NONE);
    }

    public static PublishedMessage retained(String clientId, String topic, String payload) {
        return new PublishedMessage(topic, payload.getBytes(UTF_8), 1, true, clientId, null,
                MqttVersion.MQTT_3_1_1, Instant.now(), MessageProperties.NONE);
    }
}
