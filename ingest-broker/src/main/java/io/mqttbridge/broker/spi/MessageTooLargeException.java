package io.mqttbridge.broker.spi;

/**
 * A message refused because the PUBLISH carrying it would be larger than the broker takes from its
 * clients ({@code broker.maxPacketSize}); refused again however often it is offered.
 */
public final class MessageTooLargeException extends IllegalArgumentException {

    public MessageTooLargeException(String message) {
        super(message);
    }
}
