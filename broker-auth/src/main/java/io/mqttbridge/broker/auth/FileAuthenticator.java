package io.mqttbridge.broker.auth;

import io.mqttbridge.broker.spi.LogSafe;
import com.password4j.HashingFunction;
import io.mqttbridge.broker.auth.internal.PasswordHashes;
import io.mqttbridge.broker.auth.internal.VerificationCache;
import io.mqttbridge.broker.auth.internal.VerificationExecutor;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.DeviceIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Authenticates clients against the users of a {@link FileAuthConfig}.
 *
 * <ul>
 *   <li>A known user name with the right password: an identity whose device id is the user name.
 *   <li>An unknown user name, a wrong password or a missing password: refused with
 *       {@link Refusal#BAD_USERNAME_OR_PASSWORD}. Unknown users are verified against a dummy hash of
 *       the same cost, so the time taken does not tell which part was wrong.
 *   <li>No user name: accepted as anonymous only when {@link FileAuthConfig#isAllowAnonymous()}
 *       (and no password was sent), otherwise refused with {@link Refusal#NOT_AUTHORIZED}.
 * </ul>
 *
 * <p>Threading: {@link #authenticate} is called on an event loop and never hashes there. Password
 * hashes run on a small bounded pool; when its queue is full the connect is refused at once with
 * {@link Refusal#SERVER_UNAVAILABLE}. Successful verifications are remembered briefly (see
 * {@link VerificationCache}) so that a reconnect storm completes without hashing.
 * The password is never logged or kept.
 *
 * <p>Close it to stop its threads.
 */
public final class FileAuthenticator implements Authenticator, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileAuthenticator.class);

    private record Credentials(HashingFunction function, String hash) {
    }

    private final Map<String, Credentials> credentialsByUser;
    private final Credentials dummy;
    private final boolean allowAnonymous;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final VerificationCache cache;

    /** @throws IllegalArgumentException if the configuration is invalid, naming the key */
    public FileAuthenticator(FileAuthConfig config) {
        this(config, null, System::nanoTime);
    }

    /**
     * @param executor where hashes run; {@code null} for a pool of the configured size owned by this object
     * @param nanoTime the clock of the verification cache
     */
    FileAuthenticator(FileAuthConfig config, Executor executor, LongSupplier nanoTime) {
        config.validate();
        Map<String, Credentials> credentials = new HashMap<>();
        for (FileAuthUser user : config.getUsers()) {
            String hash = user.getPasswordHash();
            credentials.put(user.getUsername(), new Credentials(PasswordHashes.functionFor(hash), hash));
        }
        this.credentialsByUser = Map.copyOf(credentials);
        this.dummy = dummyCredentials(config.getUsers());
        this.allowAnonymous = config.isAllowAnonymous();
        if (executor == null) {
            this.ownedExecutor = VerificationExecutor.create(
                    config.getVerificationThreads(), config.getVerificationQueueCapacity());
            this.executor = ownedExecutor;
        } else {
            this.ownedExecutor = null;
            this.executor = executor;
        }
        this.cache = new VerificationCache(
                TimeUnit.SECONDS.toNanos(config.getCacheTtlSeconds()), config.getCacheMaxEntries(), nanoTime);
    }

    private static Credentials dummyCredentials(List<FileAuthUser> users) {
        // The dummy must cost what a real user costs; the first user is as good a model as any.
        HashingFunction model = users.isEmpty()
                ? PasswordHashes.functionFor(PasswordHashes.argon2id("model".getBytes(StandardCharsets.UTF_8)))
                : PasswordHashes.functionFor(users.get(0).getPasswordHash());
        String hash = PasswordHashes.dummyHashLike(model);
        return new Credentials(PasswordHashes.functionFor(hash), hash);
    }

    @Override
    public CompletableFuture<AuthenticationResult> authenticate(AuthenticationRequest request) {
        String username = request.username();
        byte[] password = request.password();
        if (username == null) {
            if (allowAnonymous && password == null) {
                return CompletableFuture.completedFuture(
                        AuthenticationResult.success(DeviceIdentity.anonymous(request.clientId())));
            }
            LOG.debug("refused client {} without user name (anonymous access {})",
                    LogSafe.text(request.clientId()), allowAnonymous ? "needs no password" : "is off");
            return refused(allowAnonymous ? Refusal.BAD_USERNAME_OR_PASSWORD : Refusal.NOT_AUTHORIZED);
        }
        Credentials user = credentialsByUser.get(username);
        if (user != null && password != null && cache.contains(username, password)) {
            return CompletableFuture.completedFuture(success(request));
        }
        Credentials target = user == null || password == null ? dummy : user;
        boolean canSucceed = target == user;
        byte[] candidate = password == null ? new byte[0] : password.clone();
        CompletableFuture<AuthenticationResult> result = new CompletableFuture<>();
        try {
            executor.execute(() -> verify(request, target, canSucceed, candidate, result));
        } catch (RejectedExecutionException e) {
            Arrays.fill(candidate, (byte) 0);
            LOG.warn("password verification queue full, refusing client {} as server unavailable",
                    LogSafe.text(request.clientId()));
            return refused(Refusal.SERVER_UNAVAILABLE);
        }
        return result;
    }

    private void verify(AuthenticationRequest request, Credentials target, boolean canSucceed, byte[] candidate,
                        CompletableFuture<AuthenticationResult> result) {
        try {
            boolean matches = PasswordHashes.verify(target.function(), candidate, target.hash());
            if (matches && canSucceed) {
                cache.remember(request.username(), candidate);
                result.complete(success(request));
            } else {
                LOG.debug("bad user name or password from client {} (user name '{}')",
                        LogSafe.text(request.clientId()), LogSafe.text(request.username()));
                result.complete(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
            }
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(e);
        } finally {
            Arrays.fill(candidate, (byte) 0);
        }
    }

    private static AuthenticationResult success(AuthenticationRequest request) {
        return AuthenticationResult.success(
                new DeviceIdentity(request.username(), request.username(), request.clientId(), List.of()));
    }

    private static CompletableFuture<AuthenticationResult> refused(Refusal refusal) {
        return CompletableFuture.completedFuture(AuthenticationResult.refused(refusal));
    }

    @Override
    public void close() {
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
        }
    }
}
