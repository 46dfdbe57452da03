package io.mqttbridge.broker.spi;

import java.util.concurrent.CompletableFuture;

/**
 * Decides who a connecting client is.
 *
 * <p>Threading: called on the connecting client's event loop; must not block. The future may
 * complete on any thread. A future that completes exceptionally is treated as
 * {@link AuthenticationResult.Refusal#SERVER_UNAVAILABLE}. Implementations never log the password.
 */
@FunctionalInterface
public interface Authenticator {

    /** Lets everyone in, as an anonymous identity keyed by client id. */
    Authenticator ALLOW_ALL = request -> CompletableFuture.completedFuture(
            AuthenticationResult.success(new DeviceIdentity(null, request.username(), request.clientId(), null)));

    CompletableFuture<AuthenticationResult> authenticate(AuthenticationRequest request);
}
