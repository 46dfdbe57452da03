package io.mqttbridge.broker.auth.scram;

import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.ScramCredentials;
import io.mqttbridge.broker.spi.ScramMechanism;
import io.mqttbridge.broker.spi.ScramVerifier;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Users with passwords kept as SCRAM verifiers in memory; a disabled user is refused after its proof. */
final class InMemoryScramCredentials implements ScramCredentials {

    private final Map<String, Map<ScramMechanism, ScramVerifier>> users = new ConcurrentHashMap<>();
    final Set<String> disabled = ConcurrentHashMap.newKeySet();

    void setPassword(String user, String password) {
        users.put(user, Map.of(ScramMechanism.SHA_256, ScramVerifier.derive(ScramMechanism.SHA_256, password),
                ScramMechanism.SHA_512, ScramVerifier.derive(ScramMechanism.SHA_512, password)));
    }

    @Override
    public CompletableFuture<Optional<ScramVerifier>> verifier(String username, ScramMechanism mechanism) {
        // Off the caller's thread, as a real registry answers.
        return CompletableFuture.supplyAsync(() -> Optional.ofNullable(users.getOrDefault(username, Map.of()).get(mechanism)));
    }

    @Override
    public CompletableFuture<AuthenticationResult> admit(String username, AuthenticationRequest request) {
        if (disabled.contains(username)) {
            return CompletableFuture.completedFuture(AuthenticationResult.refused(AuthenticationResult.Refusal.NOT_AUTHORIZED));
        }
        return CompletableFuture.completedFuture(AuthenticationResult.success(
                new DeviceIdentity(username, username, request.clientId(), List.of())));
    }
}
