package io.mqttbridge.broker.handler.auth;

import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.EnhancedAuthenticator;

import java.util.concurrent.CompletableFuture;

/**
 * The enhanced-authentication state of one connection, kept on its channel from CONNECT to close.
 * Confined to the connection's event loop.
 */
final class AuthConversation {

    final String method;
    /** The CONNECT's request without the password: the base of every re-authentication. */
    final AuthenticationRequest request;
    EnhancedAuthenticator.Exchange exchange;
    /** While CONNECT is authenticated: completes with the outcome; {@code null} afterwards. */
    CompletableFuture<AuthenticationResult> connectResult;
    /** A re-authentication is running. */
    boolean reauthenticating;
    /** The exchange is working on the client's last message: the client must wait. */
    boolean awaitingServer;
    /** The server's last data of a successful CONNECT exchange, for CONNACK. */
    byte[] connAckData;

    AuthConversation(String method, AuthenticationRequest request) {
        this.method = method;
        this.request = request;
    }
}
