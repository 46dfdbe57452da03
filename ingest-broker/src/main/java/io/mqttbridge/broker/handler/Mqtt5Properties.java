package io.mqttbridge.broker.handler;

import io.mqttbridge.broker.spi.MessageProperties;
import io.mqttbridge.broker.spi.TopicFilters;
import io.mqttbridge.broker.spi.UserProperty;
import io.netty.handler.codec.mqtt.MqttProperties;

import java.util.ArrayList;
import java.util.List;

/** Reading MQTT 5 properties decoded by Netty into plain Java values. */
public final class Mqtt5Properties {

    private Mqtt5Properties() {
    }

    public static Integer integer(MqttProperties properties, int id) {
        MqttProperties.MqttProperty<?> property = properties.getProperty(id);
        return property == null ? null : (Integer) property.value();
    }

    public static String string(MqttProperties properties, int id) {
        MqttProperties.MqttProperty<?> property = properties.getProperty(id);
        return property == null ? null : (String) property.value();
    }

    public static byte[] binary(MqttProperties properties, int id) {
        MqttProperties.MqttProperty<?> property = properties.getProperty(id);
        return property == null ? null : (byte[]) property.value();
    }

    public static List<UserProperty> userProperties(MqttProperties properties) {
        List<? extends MqttProperties.MqttProperty> all = properties.getProperties(MqttProperties.USER_PROPERTY);
        if (all.isEmpty()) {
            return List.of();
        }
        List<UserProperty> result = new ArrayList<>();
        for (MqttProperties.MqttProperty<?> property : all) {
            if (property instanceof MqttProperties.UserProperty single) {
                result.add(new UserProperty(single.value().key, single.value().value));
            } else if (property instanceof MqttProperties.UserProperties many) {
                for (MqttProperties.StringPair pair : many.value()) {
                    result.add(new UserProperty(pair.key, pair.value));
                }
            }
        }
        return result;
    }

    /* The properties a PUBLISH defines (MQTT 5 section 3.3.2.3), as a bit mask over their identifiers. */
    private static final long PUBLISH_PROPERTIES = (1L << MqttProperties.PAYLOAD_FORMAT_INDICATOR)
            | (1L << MqttProperties.PUBLICATION_EXPIRY_INTERVAL) | (1L << MqttProperties.CONTENT_TYPE)
            | (1L << MqttProperties.RESPONSE_TOPIC) | (1L << MqttProperties.CORRELATION_DATA)
            | (1L << MqttProperties.SUBSCRIPTION_IDENTIFIER) | (1L << MqttProperties.TOPIC_ALIAS)
            | (1L << MqttProperties.USER_PROPERTY);

    /**
     * Whether a PUBLISH carries only properties a PUBLISH defines; any other is a malformed packet
     * (MQTT 5 section 2.2.2.2), which Netty's decoder does not check.
     */
    public static boolean definedForPublish(MqttProperties properties) {
        if (properties.isEmpty()) {
            return true;
        }
        for (MqttProperties.MqttProperty<?> property : properties.listAll()) {
            int id = property.propertyId();
            if (id >= 64 || (PUBLISH_PROPERTIES & (1L << id)) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the Response Topic of a PUBLISH or a will, if any, is a valid topic name: without
     * wildcards and not empty [MQTT-3.3.2-13, MQTT-3.3.2-14].
     */
    public static boolean responseTopicValid(MqttProperties properties) {
        String responseTopic = string(properties, MqttProperties.RESPONSE_TOPIC);
        return responseTopic == null || TopicFilters.validateTopicName(responseTopic) == null;
    }

    /** The application message properties of a PUBLISH or a will. */
    public static MessageProperties messageProperties(MqttProperties properties) {
        if (properties == null || properties.isEmpty()) {
            return MessageProperties.NONE;
        }
        Integer expiry = integer(properties, MqttProperties.PUBLICATION_EXPIRY_INTERVAL);
        MessageProperties result = new MessageProperties(
                integer(properties, MqttProperties.PAYLOAD_FORMAT_INDICATOR),
                expiry == null ? null : Integer.toUnsignedLong(expiry),
                string(properties, MqttProperties.CONTENT_TYPE),
                string(properties, MqttProperties.RESPONSE_TOPIC),
                binary(properties, MqttProperties.CORRELATION_DATA),
                userProperties(properties));
        return result.isEmpty() ? MessageProperties.NONE : result;
    }
}
