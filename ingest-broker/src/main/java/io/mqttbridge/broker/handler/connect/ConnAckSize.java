package io.mqttbridge.broker.handler.connect;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;

import java.nio.charset.StandardCharsets;

/**
 * The encoded size of an MQTT 5 CONNACK with given properties, so that one larger than the client's
 * Maximum Packet Size is never sent [MQTT-3.1.2-24]: fixed header, acknowledge flags, reason code,
 * the properties' length and the properties.
 */
final class ConnAckSize {

    private ConnAckSize() {
    }

    static int of(MqttProperties properties) {
        int propertiesLength = 0;
        for (MqttProperty<?> property : properties.listAll()) {
            propertiesLength += 1 + valueSize(property);
        }
        int remaining = 2 + varIntSize(propertiesLength) + propertiesLength;
        return 1 + varIntSize(remaining) + remaining;
    }

    private static int valueSize(MqttProperty<?> property) {
        if (property instanceof MqttProperties.StringProperty text) {
            return 2 + text.value().getBytes(StandardCharsets.UTF_8).length;
        }
        if (property instanceof MqttProperties.BinaryProperty binary) {
            return 2 + binary.value().length;
        }
        if (property instanceof MqttProperties.UserProperties users) {
            int size = 0;
            for (MqttProperties.StringPair pair : users.value()) {
                size += 2 + pair.key.getBytes(StandardCharsets.UTF_8).length + 2
                        + pair.value.getBytes(StandardCharsets.UTF_8).length;
            }
            // Each pair is a property of its own: one identifier byte more for every pair but the first.
            return size + Math.max(0, users.value().size() - 1);
        }
        return switch (property.propertyId()) {
            case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> 1;
            case 0x13, 0x21, 0x22, 0x23 -> 2;
            case 0x0B -> varIntSize((Integer) property.value());
            default -> 4;
        };
    }

    private static int varIntSize(int value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }
}
