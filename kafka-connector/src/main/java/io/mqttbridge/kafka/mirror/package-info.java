/**
 * MQTT -> Kafka: {@link io.mqttbridge.kafka.mirror.KafkaPublishSink}, the broker's publish sink,
 * configured by ordered {@link io.mqttbridge.kafka.mirror.MirrorRule}s and
 * {@link io.mqttbridge.kafka.mirror.ProducerSettings}. Records follow the "Kafka record format" in
 * docs/ARCHITECTURE.md.
 */
package io.mqttbridge.kafka.mirror;
