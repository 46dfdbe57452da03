package io.mqttbridge.kafka.cluster;

/** What an operator asks of the node that holds a client ({@link KafkaClusterFabric#requestOfHolder}). */
public enum HolderRequest {
    /** Disconnect it (MQTT 5: 0x98); its session follows its expiry. */
    DISCONNECT,
    /** End its session, connected or not, with its subscriptions and queued messages. */
    END_SESSION
}
