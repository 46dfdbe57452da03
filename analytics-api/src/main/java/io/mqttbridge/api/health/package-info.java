/**
 * Health checks of each role (PostgreSQL, Kafka, MQTT broker, history writer) and the health
 * resource.
 */
package io.mqttbridge.api.health;
