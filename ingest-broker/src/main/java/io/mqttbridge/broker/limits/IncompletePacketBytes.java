package io.mqttbridge.broker.limits;

/**
 * One connection's incomplete MQTT packet after its CONNECT, counted against
 * {@code limits.maxPendingPacketBytes} over all connections: told by the code that follows the packet
 * boundaries of the stream in front of the decoder, which holds those bytes until the packet is complete.
 * A connection whose bytes do not fit, or that has waited longest when another's do not, is closed (MQTT
 * 5: DISCONNECT 0x97 Quota exceeded when the socket takes it at once).
 *
 * <p>Threading: called on the connection's event loop.
 */
public interface IncompletePacketBytes {

    /**
     * At the end of a read, the incomplete packet holds {@code bytes} (0: the read ended on a packet
     * boundary); {@code newPacket} when it began in this read, so that it waits from now.
     */
    void holding(long bytes, boolean newPacket);

    /** The connection closed: what it held is given back. Idempotent. */
    void closed();
}
