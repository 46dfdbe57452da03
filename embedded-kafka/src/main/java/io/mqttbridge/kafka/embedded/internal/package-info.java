/**
 * Starting the embedded Kafka: its server properties, the formatting of its storage, free ports.
 */
package io.mqttbridge.kafka.embedded.internal;
