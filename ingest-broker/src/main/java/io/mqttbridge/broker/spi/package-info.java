/**
 * The broker's service provider interface: everything the broker needs from the outside world
 * (authentication, authorization, a durable sink for published messages, a listener for session
 * events, storage of sessions and retained messages) and the one way in (the {@link
 * io.mqttbridge.broker.spi.MessagePublisher}); and the one vocabulary of MQTT reason codes, {@link
 * io.mqttbridge.broker.spi.MqttReasonCode}.
 *
 * <p>Every interface here is asynchronous where it may touch storage or the network: the broker
 * calls it on a connection's event loop and must never block there. Implementations complete the
 * returned futures on any thread; the broker hops back to the connection's own event loop before
 * touching connection state.
 *
 * <p>Each interface ships with an in-memory or allow-all implementation in this module, so that the
 * broker's own tests need nothing else of ours. Authentication methods that need libraries of their
 * own (password hashes, JWT) implement it in the {@code broker-auth} module.
 *
 * <p>An authentication result may carry the identity's permissions
 * ({@link io.mqttbridge.broker.spi.AuthenticationResult.Success#permissions()}); the broker then
 * does not ask its {@link io.mqttbridge.broker.spi.Authorizer}.
 */
package io.mqttbridge.broker.spi;
