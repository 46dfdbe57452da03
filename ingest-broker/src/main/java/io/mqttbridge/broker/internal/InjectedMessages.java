package io.mqttbridge.broker.internal;

import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.config.LimitsConfig;
import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.MessageTooLargeException;
import io.mqttbridge.broker.spi.PublishedMessage;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.broker.spi.UserProperty;
import io.mqttbridge.broker.sys.SysTopics;

import java.nio.charset.StandardCharsets;

/**
 * What a message injected from outside MQTT (the Kafka downlink, the REST API) may not be: what a
 * client's PUBLISH may not be, so that no way in is wider than MQTT itself. Its topic and properties
 * must be what the MQTT decoder lets through, and the PUBLISH carrying it no larger than
 * {@code broker.maxPacketSize}. Let through, a user property of 70,000 bytes went out with its
 * length wrapped at 16 bits, a stream no subscriber could read further. A refused message is refused
 * again however often it is offered.
 */
public final class InjectedMessages {

    /** The longest string or binary data of an MQTT packet: its length is two bytes. */
    private static final int MAX_FIELD_BYTES = 65_535;

    private InjectedMessages() {
    }

    /**
     * Why {@code message} is refused ({@link MessageTooLargeException} for its size), or {@code null}
     * when it is not.
     */
    public static IllegalArgumentException refusal(PublishedMessage message, BrokerConfig config) {
        String problem = topicRefusal(message.topic(), config.getLimits());
        if (problem == null) {
            problem = propertiesRefusal(message.properties());
        }
        if (problem != null) {
            return new IllegalArgumentException(problem);
        }
        long size = publishPacketSize(message);
        if (size > config.getMaxPacketSize()) {
            return new MessageTooLargeException("the message takes " + size + " bytes as an MQTT PUBLISH, more than"
                    + " the broker's maximum packet size (" + config.getMaxPacketSize() + " bytes, broker.maxPacketSize)");
        }
        return null;
    }

    private static String topicRefusal(String topic, LimitsConfig limits) {
        String problem = TopicFilters.validateTopicName(topic);
        if (problem == null && hasUnpairedSurrogate(topic)) {
            problem = "not well-formed UTF-16: an unpaired surrogate";
        }
        if (problem != null) {
            return "invalid topic name '" + topic + "': " + problem;
        }
        if (SysTopics.isSysTopic(topic)) {
            return "topic '" + topic + "' is in the $SYS tree, where only the broker publishes its statistics";
        }
        if (!limits.allowsTopicSize(topic)) {
            return "topic is past the broker's limits (" + limits.topicSizeLimits() + ")";
        }
        return null;
    }

    private static String propertiesRefusal(MessageProperties properties) {
        String problem = stringProblem("contentType", properties.contentType());
        if (problem == null && properties.responseTopic() != null
                && TopicFilters.validateTopicName(properties.responseTopic()) != null) {
            problem = "responseTopic is not a valid MQTT topic name";
        }
        if (problem == null) {
            problem = stringProblem("responseTopic", properties.responseTopic());
        }
        if (problem == null && properties.correlationData() != null
                && properties.correlationData().length > MAX_FIELD_BYTES) {
            problem = "correlationData is longer than " + MAX_FIELD_BYTES + " bytes";
        }
        for (int i = 0; problem == null && i < properties.userProperties().size(); i++) {
            UserProperty property = properties.userProperties().get(i);
            problem = stringProblem("userProperties[" + i + "].name", property.name());
            if (problem == null) {
                problem = stringProblem("userProperties[" + i + "].value", property.value());
            }
        }
        return problem;
    }

    /** What keeps {@code value} from being an MQTT UTF-8 string [MQTT-1.5.4-1, -2], or {@code null}. */
    private static String stringProblem(String name, String value) {
        if (value == null) {
            return null;
        }
        if (value.indexOf('\u0000') >= 0) {
            return name + " must not contain U+0000";
        }
        if (hasUnpairedSurrogate(value)) {
            return name + " is not well-formed UTF-16: an unpaired surrogate";
        }
        if (utf8Length(value) > MAX_FIELD_BYTES) {
            return name + " is longer than " + MAX_FIELD_BYTES + " bytes in UTF-8";
        }
        return null;
    }

    /**
     * The size of the MQTT 5 PUBLISH that carries {@code message} with all its properties, as a client
     * would have sent it; the limit a client's packets are held to.
     */
    static long publishPacketSize(PublishedMessage message) {
        MessageProperties properties = message.properties();
        long propertyBytes = 0;
        if (properties.payloadFormatIndicator() != null) {
            propertyBytes += 2;
        }
        if (properties.messageExpiryIntervalSeconds() != null) {
            propertyBytes += 5;
        }
        propertyBytes += stringPropertySize(properties.contentType()) + stringPropertySize(properties.responseTopic());
        if (properties.correlationData() != null) {
            propertyBytes += 3 + properties.correlationData().length;
        }
        for (UserProperty property : properties.userProperties()) {
            propertyBytes += 5 + utf8Length(property.name()) + utf8Length(property.value());
        }
        long remaining = 2 + utf8Length(message.topic()) + (message.qos() > 0 ? 2 : 0)
                + variableByteIntegerSize(propertyBytes) + propertyBytes + message.payload().length;
        return 1 + variableByteIntegerSize(remaining) + remaining;
    }

    private static long stringPropertySize(String value) {
        return value == null ? 0 : 3 + utf8Length(value);
    }

    private static int utf8Length(String value) {
        return value.getBytes(StandardCharsets.UTF_8).length;
    }

    private static int variableByteIntegerSize(long value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    private static boolean hasUnpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }
}
