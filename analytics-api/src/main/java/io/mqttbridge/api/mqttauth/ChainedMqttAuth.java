package io.mqttbridge.api.mqttauth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.TopicPermissions;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Several authentication methods tried in order. A method that does not know the credentials
 * ({@code BAD_USERNAME_OR_PASSWORD}) passes the request to the next; any other refusal is final
 * (a disabled device must not get in through another method). The identity is then authorized by
 * the {@link Authorizer} of the method that authenticated it.
 *
 * <p>Threading: as the SPI says; no method is called on the caller's thread beyond its own
 * (non-blocking) {@code authenticate}.
 */
public final class ChainedMqttAuth implements Authenticator, Authorizer {

    /** One way to authenticate, with the authorizer that goes with it. */
    public record Method(String name, Authenticator authenticator, Authorizer authorizer) {
    }

    private final List<Method> methods;
    // permissionsFor follows authenticate within one CONNECT; entries live seconds at most.
    private final Cache<DeviceIdentity, Method> authenticatedBy = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofMinutes(2))
            .maximumSize(1_000_000)
            .build();

    public ChainedMqttAuth(List<Method> methods) {
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("at least one authentication method is needed");
        }
        this.methods = List.copyOf(methods);
    }

    @Override
    public CompletableFuture<AuthenticationResult> authenticate(AuthenticationRequest request) {
        return tryFrom(0, request);
    }

    private CompletableFuture<AuthenticationResult> tryFrom(int index, AuthenticationRequest request) {
        Method method = methods.get(index);
        return method.authenticator().authenticate(request).thenCompose(result -> {
            if (result instanceof AuthenticationResult.Success success) {
                authenticatedBy.put(success.identity(), method);
                return CompletableFuture.completedFuture(result);
            }
            AuthenticationResult.Refused refused = (AuthenticationResult.Refused) result;
            boolean unknownHere = refused.refusal() == AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD;
            if (unknownHere && index + 1 < methods.size()) {
                return tryFrom(index + 1, request);
            }
            return CompletableFuture.completedFuture(result);
        });
    }

    @Override
    public CompletableFuture<TopicPermissions> permissionsFor(DeviceIdentity identity) {
        Method method = authenticatedBy.getIfPresent(identity);
        if (method == null) {
            // Not authenticated through this chain (or long ago): nothing is allowed.
            return CompletableFuture.completedFuture(DENY_ALL);
        }
        return method.authorizer().permissionsFor(identity);
    }

    private static final TopicPermissions DENY_ALL = new TopicPermissions() {
        @Override
        public boolean mayPublish(String topicName) {
            return false;
        }

        @Override
        public boolean maySubscribe(String topicFilter) {
            return false;
        }
    };
}
