/**
 * Routing: {@link io.mqttbridge.broker.routing.MessageRouter} (one delivery per session at the
 * highest QoS, shared subscription groups, forwarding to other nodes), matching through the {@code
 * topic.TopicTree} the session manager keeps.
 */
package io.mqttbridge.broker.routing;
