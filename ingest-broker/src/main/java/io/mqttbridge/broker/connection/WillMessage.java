package io.mqttbridge.broker.connection;

import io.mqttbridge.broker.spi.PublishedMessage;

/**
 * The will of a connection, as given in CONNECT.
 *
 * @param message the message to publish when the connection ends abnormally
 * @param delaySeconds the MQTT 5 will delay interval (0 for 3.1.1)
 */
public record WillMessage(PublishedMessage message, long delaySeconds) {
}
