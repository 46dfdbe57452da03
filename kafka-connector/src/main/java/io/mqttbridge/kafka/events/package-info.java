/**
 * Session events: {@link io.mqttbridge.kafka.events.KafkaSessionEventPublisher} publishes the
 * broker's connect, disconnect, subscribe and unsubscribe events and per-node heartbeats as JSON
 * ("Session events" in docs/ARCHITECTURE.md).
 */
package io.mqttbridge.kafka.events;
