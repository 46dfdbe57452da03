package io.mqttbridge.broker.spi;

/** The protocol versions the broker speaks, with the protocol level byte each sends in CONNECT. */
public enum MqttVersion {
    MQTT_3_1(3),
    MQTT_3_1_1(4),
    MQTT_5(5);

    private final int protocolLevel;

    MqttVersion(int protocolLevel) {
        this.protocolLevel = protocolLevel;
    }

    public int protocolLevel() {
        return protocolLevel;
    }

    public boolean isMqtt5() {
        return this == MQTT_5;
    }

    /** @throws IllegalArgumentException for a level the broker does not speak */
    public static MqttVersion ofProtocolLevel(int level) {
        for (MqttVersion version : values()) {
            if (version.protocolLevel == level) {
                return version;
            }
        }
        throw new IllegalArgumentException("unsupported MQTT protocol level " + level);
    }
}
