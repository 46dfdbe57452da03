package io.mqttbridge.api.config;

/** The parts of the bridge one process can run; the default is all of them. */
public enum Role {
    /** The MQTT broker, with the Kafka mirror, session events and downlink it feeds. */
    BROKER,
    /** The Kafka -> PostgreSQL history writer. */
    HISTORY_WRITER,
    /** The REST API for devices, sessions and history. */
    API
}
