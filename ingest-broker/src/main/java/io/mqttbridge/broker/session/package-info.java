/**
 * Sessions: {@link io.mqttbridge.broker.session.Session} (an actor on its connection's event loop:
 * its state and the entry points of its lifecycle, whose steps are classes of their own: attach,
 * detach, hand-over to another node, termination), the outbound QoS 1/2 flows and queue ({@link
 * io.mqttbridge.broker.session.OutboundQosFlows}; the queue's bounds and byte accounting in {@link
 * io.mqttbridge.broker.session.OutboundQueue}, the overflow policy in {@link
 * io.mqttbridge.broker.session.QueueOverflow}), {@link
 * io.mqttbridge.broker.session.SessionManager} (sessions by client id, with the cluster takeover,
 * owners, store writes and topic tree entries in classes of their own) and the in-memory session
 * store; {@link io.mqttbridge.broker.session.DeliveryState} is what waits for one client.
 */
package io.mqttbridge.broker.session;
