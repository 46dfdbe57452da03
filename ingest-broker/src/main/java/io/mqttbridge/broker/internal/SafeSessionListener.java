package io.mqttbridge.broker.internal;

import io.mqttbridge.broker.spi.LogSafe;
import io.mqttbridge.broker.spi.ConnectionInfo;
import io.mqttbridge.broker.spi.DisconnectInfo;
import io.mqttbridge.broker.spi.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Calls a {@link SessionListener}, logging and ignoring its exceptions as the SPI promises. */
public final class SafeSessionListener implements SessionListener {

    private static final Logger LOG = LoggerFactory.getLogger(SafeSessionListener.class);

    private final SessionListener delegate;

    public SafeSessionListener(SessionListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void onConnected(ConnectionInfo connection) {
        try {
            delegate.onConnected(connection);
        } catch (RuntimeException e) {
            LOG.warn("session listener failed on connect of {}", LogSafe.text(connection.clientId()), e);
        }
    }

    @Override
    public void onDisconnected(ConnectionInfo connection, DisconnectInfo disconnect) {
        try {
            delegate.onDisconnected(connection, disconnect);
        } catch (RuntimeException e) {
            LOG.warn("session listener failed on disconnect of {}", LogSafe.text(connection.clientId()), e);
        }
    }

    @Override
    public void onSubscribed(ConnectionInfo connection, List<String> topicFilters, List<Integer> grantedQos) {
        try {
            delegate.onSubscribed(connection, topicFilters, grantedQos);
        } catch (RuntimeException e) {
            LOG.warn("session listener failed on subscribe of {}", LogSafe.text(connection.clientId()), e);
        }
    }

    @Override
    public void onUnsubscribed(ConnectionInfo connection, List<String> topicFilters) {
        try {
            delegate.onUnsubscribed(connection, topicFilters);
        } catch (RuntimeException e) {
            LOG.warn("session listener failed on unsubscribe of {}", LogSafe.text(connection.clientId()), e);
        }
    }
}
