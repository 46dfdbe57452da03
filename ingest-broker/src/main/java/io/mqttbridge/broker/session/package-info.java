/**
 * Sessions: {@link io.mqttbridge.broker.session.Session} (an actor on its connection's event loop:
 * lifecycle, takeover, subscriptions, snapshots), the outbound QoS 1/2 flows and queue ({@link
 * io.mqttbridge.broker.session.OutboundQosFlows}; the queue's bounds and byte accounting in {@link
 * io.mqttbridge.broker.session.OutboundQueue}, the overflow policy in {@link
 * io.mqttbridge.broker.session.QueueOverflow}), {@link
 * io.mqttbridge.broker.session.SessionManager} (sessions by client id) and the in-memory session
 * store; {@link io.mqttbridge.broker.session.DeliveryState} is what waits for one client.
 */
package io.mqttbridge.broker.session;
