package io.mqttbridge.broker.spi;

import java.util.Objects;

/** An MQTT 5 user property: a UTF-8 name/value pair; names may repeat within one packet. */
public record UserProperty(String name, String value) {
    public UserProperty {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
