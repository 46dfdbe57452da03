package io.mqttbridge.api.mqttauth;

import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Several authentication methods tried in order. A method that does not know the credentials
 * ({@code BAD_USERNAME_OR_PASSWORD}) passes the request to the next; any other refusal is final
 * (a disabled device must not get in through another method). A success carries the permissions
 * the {@link Authorizer} of the method that authenticated the identity grants it
 * ({@link AuthenticationResult.Success#permissions()}), so the broker needs no authorizer of its own
 * for this chain (give it {@link Authorizer#DENY_ALL}).
 *
 * <p>Threading: as the SPI says; no method is called on the caller's thread beyond its own
 * (non-blocking) {@code authenticate}.
 */
public final class ChainedMqttAuth implements Authenticator {

    /** One way to authenticate, with the authorizer that goes with it. */
    public record Method(String name, Authenticator authenticator, Authorizer authorizer) {
    }

    private final List<Method> methods;

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
                return method.authorizer().permissionsFor(success.identity())
                        .thenApply(success::withPermissions);
            }
            AuthenticationResult.Refused refused = (AuthenticationResult.Refused) result;
            boolean unknownHere = refused.refusal() == AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD;
            if (unknownHere && index + 1 < methods.size()) {
                return tryFrom(index + 1, request);
            }
            return CompletableFuture.completedFuture(result);
        });
    }
}
