package io.mqttbridge.loadtool.client;

import io.netty.buffer.ByteBuf;

/**
 * Told about each application message a connection receives, exactly once per message as far as
 * the protocol allows (a QoS 2 message redelivered before its PUBREL is not reported twice).
 *
 * <p>Called on the connection's event loop; must not block. The payload is valid only during the call.
 */
@FunctionalInterface
public interface InboundListener {

    InboundListener IGNORE = (topic, qos, payload) -> { };

    void onMessage(String topic, int qos, ByteBuf payload);
}
