/**
 * How the downlink maps Kafka records to MQTT topics and tracks which offsets may be committed.
 */
package io.mqttbridge.kafka.downlink.internal;
