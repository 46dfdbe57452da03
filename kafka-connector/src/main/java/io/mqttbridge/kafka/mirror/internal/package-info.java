/**
 * The mirror's machinery: routes from MQTT topics to Kafka topics and keys, record and header
 * building, the send thread, outstanding-bytes accounting and the reason codes of failed sends.
 */
package io.mqttbridge.kafka.mirror.internal;
