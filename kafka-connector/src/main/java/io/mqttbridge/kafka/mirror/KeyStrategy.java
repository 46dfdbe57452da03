package io.mqttbridge.kafka.mirror;

/** What a mirrored record's key is; records with the same key land in the same partition, in order. */
public enum KeyStrategy {
    /** The publisher's client id (the default): each device's messages stay ordered in one partition. */
    CLIENT_ID,
    /** The publisher's user name; {@code null} key when it sent none. */
    USERNAME,
    /** The whole MQTT topic name. */
    TOPIC,
    /** One level of the MQTT topic, chosen by {@link MirrorRule#getKeyTopicLevel()} (1-based). */
    TOPIC_LEVEL,
    /** No key: the producer spreads records over partitions. */
    NONE
}
