package io.mqttbridge.loadtool;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What the load tool does, as named on the command line. */
public enum Scenario {
    /** Many publishers, each on its own topic; one subscriber with a wildcard filter over all of them. */
    FAN_IN("fan-in"),
    /** Pairs: publisher i sends on topic i, which only subscriber i subscribes to. */
    ONE_TO_ONE("one-to-one"),
    /** One publisher; every subscriber subscribes to its topic. */
    FAN_OUT("fan-out"),
    /** Connects at a given rate; each connection is closed right after its CONNACK. */
    CONNECT_STORM("connect-storm"),
    /** Opens connections and holds them idle, to measure the broker's memory per connection. */
    IDLE_CONNECTIONS("idle-connections"),
    /**
     * Persistent-session clients subscribed at QoS 1 or 2 are all dropped at once, receive messages
     * while away, and all reconnect at once; measures how fast they are back and whether every
     * message reached them.
     */
    RECONNECT_STORM("reconnect-storm"),
    /**
     * No MQTT: Kafka's own producer at {@code --host:--port} (a Kafka bootstrap address) writes
     * records shaped like the bridge's mirror (value of {@code --payload-size} bytes, one key per
     * publisher, the mirror's headers) as fast as it is acknowledged; the baseline the mirrored rate
     * is compared with.
     */
    KAFKA_PRODUCER("kafka-producer");

    private final String cliName;

    Scenario(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public boolean isMessaging() {
        return this == FAN_IN || this == ONE_TO_ONE || this == FAN_OUT;
    }

    public static Scenario fromCliName(String name) {
        for (Scenario scenario : values()) {
            if (scenario.cliName.equals(name)) {
                return scenario;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + name + "' (expected one of "
                + Arrays.stream(values()).map(Scenario::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
