package io.mqttbridge.broker.spi;

import java.util.concurrent.CompletableFuture;

/**
 * Decides what an authenticated identity may publish and subscribe to. Called once per connection,
 * after authentication, unless the authentication result already carried the identity's
 * permissions ({@link AuthenticationResult.Success#permissions()}); the resulting
 * {@link TopicPermissions} answers every later check.
 *
 * <p>Threading: called on the client's event loop; must not block. A future that completes
 * exceptionally refuses the connection as server unavailable.
 */
@FunctionalInterface
public interface Authorizer {

    Authorizer ALLOW_ALL = identity -> CompletableFuture.completedFuture(TopicPermissions.ALLOW_ALL);

    /** For authenticators whose every success carries its permissions: anything else may do nothing. */
    Authorizer DENY_ALL = identity -> CompletableFuture.completedFuture(TopicPermissions.DENY_ALL);

    CompletableFuture<TopicPermissions> permissionsFor(DeviceIdentity identity);
}
