/**
 * MQTT 5 enhanced authentication on the wire: the AUTH exchange at CONNECT and re-authentication
 * on a live connection ({@link io.mqttbridge.broker.handler.auth.EnhancedAuthFlow}), driving an
 * {@link io.mqttbridge.broker.spi.EnhancedAuthenticator}.
 */
package io.mqttbridge.broker.handler.auth;
