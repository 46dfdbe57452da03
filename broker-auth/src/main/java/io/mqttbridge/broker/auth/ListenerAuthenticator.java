package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Gives each listener its own authentication: the request goes to the authenticator registered
 * for its listener name ({@link AuthenticationRequest#listenerName()}), or to {@code otherwise}.
 * For example certificates only on the mutual-TLS listener and tokens only on the WebSocket one.
 *
 * <p>Threading: as the authenticators it delegates to.
 */
public final class ListenerAuthenticator implements Authenticator {

    private final Map<String, Authenticator> byListener;
    private final Authenticator otherwise;

    /**
     * @param byListener authenticators by listener name
     * @param otherwise for listeners not in the map (e.g. a refusing authenticator to allow none)
     */
    public ListenerAuthenticator(Map<String, Authenticator> byListener, Authenticator otherwise) {
        this.byListener = Map.copyOf(byListener);
        this.otherwise = Objects.requireNonNull(otherwise, "otherwise");
    }

    @Override
    public CompletableFuture<AuthenticationResult> authenticate(AuthenticationRequest request) {
        Authenticator authenticator = request.listenerName() == null ? null : byListener.get(request.listenerName());
        return (authenticator == null ? otherwise : authenticator).authenticate(request);
    }
}
