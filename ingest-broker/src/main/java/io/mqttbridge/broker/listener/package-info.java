/**
 * Listener configuration (TCP, TLS, WebSocket, secure WebSocket), TLS settings, and the verified
 * client certificate of a connection ({@link io.mqttbridge.broker.listener.TlsPeer}).
 */
package io.mqttbridge.broker.listener;
