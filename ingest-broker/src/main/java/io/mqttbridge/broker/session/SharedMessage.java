package io.mqttbridge.broker.session;

import io.mqttbridge.broker.spi.PublishedMessage;

/**
 * A message a session got through a shared subscription and had not delivered for sure when the
 * session ended: another member of {@code sharedGroup} ({@code $share/g/f}) should have it.
 */
public record SharedMessage(PublishedMessage message, String sharedGroup) {
}
