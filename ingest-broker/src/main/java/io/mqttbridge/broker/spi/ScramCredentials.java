package io.mqttbridge.broker.spi;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where a SCRAM authenticator finds the verifiers of a user and who a user is once its proof
 * checked out (the device registry).
 *
 * <p>Threading: called on an event loop or on a thread of the implementation; never blocks. The
 * futures may complete on any thread.
 */
public interface ScramCredentials {

    /**
     * The verifier to check {@code username} against: the newest current one of the mechanism, or
     * empty when the user is unknown or has none (the exchange then fails without saying which).
     */
    CompletableFuture<Optional<ScramVerifier>> verifier(String username, ScramMechanism mechanism);

    /**
     * Admits a user who proved to know its password: a {@link AuthenticationResult.Success} with its
     * identity, or the refusal (disabled, client id not allowed for it).
     */
    CompletableFuture<AuthenticationResult> admit(String username, AuthenticationRequest request);
}
