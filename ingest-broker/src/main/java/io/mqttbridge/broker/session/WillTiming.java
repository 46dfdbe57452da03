package io.mqttbridge.broker.session;

/**
 * When the will of a closed connection is published [MQTT-3.1.3-9, MQTT-3.1.2-8]: the will delay
 * holds it back only while the same session can still continue; a session that ends publishes it
 * at once. Kept apart from the detach so that these rules read, and are tested, on their own.
 *
 * <p>Threading: pure functions, from any thread.
 */
final class WillTiming {

    private WillTiming() {
    }

    /**
     * For a connection the session no longer runs on: a newer connection took the session over, or
     * the session ended already (here, or moved to another node). The will is published now or
     * never: held back only while the same session continues, here or on the node it moved to.
     *
     * @param sessionExpirySeconds the session's expiry interval of the moment
     */
    static boolean publishesForReplacedConnection(boolean sessionEnded, boolean movedAway, long sessionExpirySeconds,
                                                  long willDelaySeconds) {
        boolean continuesElsewhere = movedAway && sessionExpirySeconds != 0;
        return (sessionEnded && !continuesElsewhere) || willDelaySeconds == 0;
    }

    /**
     * For the connection the session was attached to.
     *
     * @param sessionExpirySeconds the expiry interval the connection left the session with
     * @return seconds until the will is published, 0 for now: the will delay, but never after the
     *     session ends (a session that ends with its connection publishes it at once)
     */
    static long delayForAttachedConnection(long willDelaySeconds, long sessionExpirySeconds) {
        return sessionExpirySeconds == 0 ? 0 : Math.min(willDelaySeconds, sessionExpirySeconds);
    }
}
