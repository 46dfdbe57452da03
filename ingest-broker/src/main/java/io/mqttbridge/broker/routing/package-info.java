/**
 * Routing: the lock-free {@link io.mqttbridge.broker.routing.TopicTree} and {@link
 * io.mqttbridge.broker.routing.MessageRouter} (one delivery per session at the highest QoS, shared
 * subscription groups).
 */
package io.mqttbridge.broker.routing;
