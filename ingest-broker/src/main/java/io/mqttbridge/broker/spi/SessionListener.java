package io.mqttbridge.broker.spi;

import java.util.List;

/**
 * Told about the life of every client connection (for session events in Kafka and the history in
 * PostgreSQL).
 *
 * <p>Threading: called on the connection's event loop, in order for one connection; must not block
 * (hand the event off, e.g. to an asynchronous Kafka producer). Exceptions are logged and ignored.
 */
public interface SessionListener {

    SessionListener NONE = new SessionListener() {
    };

    /** The client's CONNECT was accepted and CONNACK sent. */
    default void onConnected(ConnectionInfo connection) {
    }

    /** The connection ended, for whatever reason. Called exactly once per {@link #onConnected}. */
    default void onDisconnected(ConnectionInfo connection, DisconnectInfo disconnect) {
    }

    /**
     * The client subscribed. Only the granted filters are listed.
     *
     * @param topicFilters the filters as the client sent them (shared ones with their {@code $share/} prefix)
     * @param grantedQos the granted QoS of each filter, in the same order
     */
    default void onSubscribed(ConnectionInfo connection, List<String> topicFilters, List<Integer> grantedQos) {
    }

    /** The client unsubscribed from filters it had subscribed to. */
    default void onUnsubscribed(ConnectionInfo connection, List<String> topicFilters) {
    }
}
