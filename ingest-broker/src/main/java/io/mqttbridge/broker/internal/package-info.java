/**
 * Broker-internal helpers: the session listener guard that keeps a failing listener from
 * disturbing connections.
 */
package io.mqttbridge.broker.internal;
