/**
 * MQTT 5 enhanced authentication with SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677):
 * {@link io.mqttbridge.broker.auth.scram.ScramAuthenticator} on the verifiers of a
 * {@link io.mqttbridge.broker.spi.ScramCredentials} source.
 */
package io.mqttbridge.broker.auth.scram;
