/**
 * Kafka -> MQTT: {@link io.mqttbridge.kafka.downlink.KafkaDownlink} consumes configured topics and
 * hands each record to the broker, committing offsets only after the broker took it.
 */
package io.mqttbridge.kafka.downlink;
