package io.mqttbridge.broker.handler.connect;

import io.mqttbridge.broker.handler.auth.EnhancedAuthFlow;
import io.mqttbridge.broker.connection.ClientConnection;
import io.mqttbridge.broker.listener.TlsPeer;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.broker.sys.SysTopics;
import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The authentication step of a CONNECT: asks the {@link Authenticator} who the client is and, when
 * the authenticator did not say, the {@link Authorizer} what it may do. Called on the event loop;
 * the SPI's futures may complete on any thread (the caller moves back to the event loop).
 */
final class ConnectAuthentication {

    /** An authenticated client and its permissions, which never include publishing into {@code $SYS}. */
    record Authorized(DeviceIdentity identity, TopicPermissions permissions, Instant expiresAt) {
        Authorized {
            permissions = SysTopics.withoutPublishing(permissions);
        }
    }

    private final Authenticator authenticator;
    private final Authorizer authorizer;

    private final EnhancedAuthFlow enhancedAuth;

    ConnectAuthentication(Authenticator authenticator, Authorizer authorizer, EnhancedAuthFlow enhancedAuth) {
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.enhancedAuth = enhancedAuth;
    }

    /**
     * @return completes with {@link Authorized} or {@link AuthenticationResult.Refused}; fails when
     *     the authenticator or authorizer failed (also when it threw)
     */
    CompletableFuture<Object> authenticate(ClientConnection connection, ConnectRequest request) {
        Channel channel = connection.channel();
        try {
            AuthenticationRequest authRequest = new AuthenticationRequest(request.clientId(), request.username(),
                    request.password(), (InetSocketAddress) channel.remoteAddress(), TlsPeer.verifiedCertificate(channel),
                    connection.version(), connection.listenerName());
            // A CONNECT naming an Authentication Method is authenticated by its AUTH exchange instead.
            CompletableFuture<AuthenticationResult> authenticated = request.authMethod() == null
                    ? authenticator.authenticate(authRequest)
                    : enhancedAuth.begin(channel, request.authMethod(), request.authData(), authRequest);
            return authenticated.thenCompose(this::authorize);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Object> authorize(AuthenticationResult result) {
        if (result instanceof AuthenticationResult.Success success && success.permissions() != null) {
            return CompletableFuture.completedFuture(
                    new Authorized(success.identity(), success.permissions(), success.expiresAt()));
        }
        if (result instanceof AuthenticationResult.Success success) {
            return authorizer.permissionsFor(success.identity())
                    .thenApply(permissions -> new Authorized(success.identity(), permissions, success.expiresAt()));
        }
        return CompletableFuture.completedFuture(result);
    }
}
