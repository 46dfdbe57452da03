package io.mqttbridge.broker.spi;

import java.util.List;

/**
 * The MQTT 5 properties of an application message that travel with it from publisher to
 * subscribers (and into Kafka headers). All fields are optional; for MQTT 3.1.1 messages use
 * {@link #NONE}.
 *
 * @param payloadFormatIndicator 1 if the payload is declared UTF-8 text, 0 or {@code null} otherwise
 * @param messageExpiryIntervalSeconds the remaining lifetime in seconds, or {@code null} for none
 * @param correlationData opaque bytes; callers must not mutate the array
 */
public record MessageProperties(
        Integer payloadFormatIndicator,
        Long messageExpiryIntervalSeconds,
        String contentType,
        String responseTopic,
        byte[] correlationData,
        List<UserProperty> userProperties) {

    public static final MessageProperties NONE =
            new MessageProperties(null, null, null, null, null, List.of());

    public MessageProperties {
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    public boolean isEmpty() {
        return payloadFormatIndicator == null
                && messageExpiryIntervalSeconds == null
                && contentType == null
                && responseTopic == null
                && correlationData == null
                && userProperties.isEmpty();
    }
}
