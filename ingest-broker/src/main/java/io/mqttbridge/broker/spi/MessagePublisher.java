package io.mqttbridge.broker.spi;

import java.util.concurrent.CompletableFuture;

/**
 * The way into the broker for messages that do not come from an MQTT client, such as the Kafka
 * downlink. Implemented by the broker.
 *
 * <p>Threading: may be called from any thread. The returned future completes once the message has
 * been handed to every matching session: written to online subscribers' connections or queued in
 * offline persistent sessions (and stored as retained when the retain flag is set), and, for every
 * persistent session that takes it at QoS 1 or 2, stored durably through the {@link SessionStore}
 * (a store failure completes it exceptionally). Completion does not wait for subscribers'
 * acknowledgements. It completes exceptionally if the broker is shutting
 * down, so a caller that commits input offsets on completion never loses a message.
 */
public interface MessagePublisher {

    /**
     * @return the number of sessions the message was handed to; fails with an
     *     {@link IllegalArgumentException} when the message is refused for what it is: its topic (not a
     *     valid topic name, in {@code $SYS}, past the broker's topic limits), a property no MQTT packet
     *     can carry (a string over 65,535 bytes, U+0000, an unpaired surrogate), or a PUBLISH larger
     *     than {@code broker.maxPacketSize}; it is refused again however often it is offered
     */
    CompletableFuture<Integer> publish(PublishedMessage message);
}
