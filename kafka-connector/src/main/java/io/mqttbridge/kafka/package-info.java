/**
 * The Kafka connector: {@link io.mqttbridge.kafka.KafkaConnectorConfig} (its whole configuration)
 * and {@link io.mqttbridge.kafka.KafkaConnector}, which starts the embedded Kafka when needed, the
 * MQTT -> Kafka mirror, the session events and the Kafka -> MQTT downlink, and stops them again.
 */
package io.mqttbridge.kafka;
