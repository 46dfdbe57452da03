/**
 * The broker's metrics (names under {@code mqtt.}) and the byte and message counting per
 * connection, added to the meters per flush.
 */
package io.mqttbridge.broker.metrics;
