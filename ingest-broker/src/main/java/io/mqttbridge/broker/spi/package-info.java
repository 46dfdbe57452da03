/**
 * The broker's service provider interface: everything the broker needs from the outside world
 * (authentication, authorization, a durable sink for published messages, a listener for session
 * events) and the one way in (the {@link io.mqttbridge.broker.spi.MessagePublisher}).
 *
 * <p>Every interface here is asynchronous where it may touch storage or the network: the broker
 * calls it on a connection's event loop and must never block there. Implementations complete the
 * returned futures on any thread; the broker hops back to the connection's own event loop before
 * touching connection state.
 *
 * <p>Each interface ships with an in-memory or configuration-backed implementation in this module,
 * so that the broker's own tests need nothing else of ours.
 */
package io.mqttbridge.broker.spi;
