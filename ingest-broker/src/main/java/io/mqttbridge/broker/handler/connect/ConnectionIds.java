package io.mqttbridge.broker.handler.connect;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Connection ids: random (version 4) UUIDs from the thread's {@link ThreadLocalRandom}. A connection
 * id names a connection in session events and history; it grants nothing, so it needs uniqueness,
 * not unpredictability, and {@link UUID#randomUUID()} (a shared {@code SecureRandom}) cost a
 * noticeable part of each connect on the event loop.
 */
final class ConnectionIds {

    private ConnectionIds() {
    }

    static UUID next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;            // version 4
        long least = (random.nextLong() & ~(0xC000L << 48)) | (0x8000L << 48); // IETF variant
        return new UUID(most, least);
    }
}
