package io.mqttbridge.broker.netty;

import io.netty.channel.Channel;

/**
 * The handlers a listener puts in front of the MQTT codec (TLS, HTTP and WebSocket framing), so
 * that everything after them reads and writes the plain MQTT byte stream.
 *
 * <p>Threading: called on the new channel's event loop while the channel is initialized; must not block.
 */
@FunctionalInterface
public interface TransportHandlers {

    /** Plain TCP: nothing in front of the MQTT codec. */
    TransportHandlers NONE = channel -> { };

    void addTo(Channel channel);
}
