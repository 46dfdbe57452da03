package io.mqttbridge.db.registry;

import io.mqttbridge.broker.spi.LogSafe;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mqttbridge.broker.spi.AclRuleSet;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.Authorizer;
import io.mqttbridge.broker.spi.ClientIdBinding;
import io.mqttbridge.broker.spi.DeviceIdentity;
import io.mqttbridge.broker.spi.ScramCredentials;
import io.mqttbridge.broker.spi.ScramMechanism;
import io.mqttbridge.broker.spi.ScramVerifier;
import io.mqttbridge.broker.spi.TopicPermissions;
import io.mqttbridge.db.Database;
import io.mqttbridge.db.internal.PasswordHasher;
import io.mqttbridge.db.registry.internal.DeviceAuthLoader;
import io.mqttbridge.db.registry.internal.DeviceAuthRecord;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device table as the broker's {@link Authenticator} and {@link Authorizer}.
 *
 * <p>Mapping: a client authenticates with its device id as MQTT user name and one of the device's
 * current passwords. The client id must fit {@code clientIdPattern} (by default: equal the device
 * id), otherwise {@link Refusal#CLIENT_ID_NOT_ALLOWED}, so a device can never connect as another.
 * The identity's {@code deviceId} is the device id. A device may publish and subscribe only as its ACL
 * rules allow (first matching rule decides, see {@link AclRuleSet}); a device without rules may
 * do nothing.
 *
 * <p>Outcomes: unknown device, missing user name or password, or a wrong password:
 * {@link Refusal#BAD_USERNAME_OR_PASSWORD}, the same for all so the client learns nothing about
 * which; a disabled device with the right password: {@link Refusal#NOT_AUTHORIZED}; database
 * unreachable or too many waiting requests: {@link Refusal#SERVER_UNAVAILABLE}. Every refusal is
 * logged with client id, user name and address, never with the password.
 *
 * <p>SCRAM ({@link ScramCredentials}, for MQTT 5 enhanced authentication): the verifiers stored with
 * each credential; a proven device is admitted with the same checks as after a password and its
 * permissions attached to the success.
 *
 * <p>Caching: each device's enabled flag, password hashes and rules are cached for
 * {@code cacheTtlSeconds}, so a connect storm reads each device once; whoever changes a device
 * calls {@link #invalidate(String)} so that the change applies to the next connection at once.
 *
 * <p>Threading: {@link #authenticate} and {@link #permissionsFor} never block the calling event
 * loop: JDBC and the (CPU-heavy) password checks run on the registry's own small pool, and the
 * futures complete there.
 */
public final class DeviceRegistry implements Authenticator, Authorizer, ScramCredentials, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistry.class);
    private static final AtomicInteger POOLS = new AtomicInteger();
    /* Longer device ids a client id is checked against (each a registry look-up, cached). */
    private static final int MAX_OWNER_LOOKUPS = 8;

    private final DeviceAuthLoader loader;
    private final PasswordHasher hasher = new PasswordHasher();
    private final ThreadPoolExecutor executor;
    private final AsyncLoadingCache<String, Optional<DeviceAuthRecord>> cache;
    private final Clock clock;
    private final ClientIdBinding clientIdBinding;

    public DeviceRegistry(Database database, DeviceRegistryConfig config) {
        this(database.jdbi(), config, Clock.systemUTC());
    }

    public DeviceRegistry(Jdbi jdbi, DeviceRegistryConfig config, Clock clock) {
        config.validate();
        this.loader = new DeviceAuthLoader(jdbi);
        this.clock = clock;
        this.clientIdBinding = config.clientIdBinding();
        int pool = POOLS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(config.getThreads(), config.getThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(config.getMaxQueued()), r -> {
                    Thread t = new Thread(r, "device-registry-" + pool + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.executor.allowCoreThreadTimeOut(true);
        this.cache = Caffeine.newBuilder()
                .maximumSize(config.getCacheMaxDevices())
                .expireAfterWrite(Duration.ofSeconds(config.getCacheTtlSeconds()))
                .executor(executor)
                .buildAsync(loader::load);
    }

    @Override
    public CompletableFuture<AuthenticationResult> authenticate(AuthenticationRequest request) {
        String deviceId = request.username();
        if (deviceId == null || deviceId.isEmpty() || request.password() == null) {
            // Not a registry device (anonymous, certificate or token clients): the next method of the
            // chain decides, so this is no refusal worth a log line per connect.
            LOG.debug("Client {} from {} has no user name or no password: not a registry device",
                    LogSafe.text(request.clientId()),
                    request.remoteAddress());
            return CompletableFuture.completedFuture(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
        }
        String password = new String(request.password(), StandardCharsets.UTF_8);
        try {
            return cache.get(deviceId)
                    .thenApplyAsync(device -> check(request, device, password), executor)
                    .thenCompose(result -> unlessAnotherDeviceOwnsTheClientId(request, deviceId, result))
                    .exceptionally(e -> refuse(request, Refusal.SERVER_UNAVAILABLE, "device registry unavailable: " + e));
        } catch (RuntimeException e) {
            // The pool's queue is full: refuse rather than queue without bound.
            return CompletableFuture.completedFuture(refuse(request, Refusal.SERVER_UNAVAILABLE, "registry overloaded"));
        }
    }

    private AuthenticationResult check(AuthenticationRequest request, Optional<DeviceAuthRecord> found, String password) {
        if (found.isEmpty()) {
            hasher.burnOneCheck(password);
            return refuse(request, Refusal.BAD_USERNAME_OR_PASSWORD, "unknown device");
        }
        DeviceAuthRecord device = found.get();
        Instant now = clock.instant();
        List<DeviceAuthRecord.Credential> current = device.credentials().stream().filter(c -> c.isValidAt(now)).toList();
        if (current.isEmpty()) {
            hasher.burnOneCheck(password);
            return refuse(request, Refusal.BAD_USERNAME_OR_PASSWORD, "device has no current password");
        }
        Optional<DeviceAuthRecord.Credential> matching = matchingCredential(current, password);
        if (matching.isEmpty()) {
            return refuse(request, Refusal.BAD_USERNAME_OR_PASSWORD, "wrong password");
        }
        if (!device.enabled()) {
            return refuse(request, Refusal.NOT_AUTHORIZED, "device disabled");
        }
        if (!clientIdBinding.allows(device.deviceId(), request.clientId())) {
            return refuse(request, Refusal.CLIENT_ID_NOT_ALLOWED, "client id does not fit '" + clientIdBinding + "'");
        }
        LOG.debug("Client {} authenticated as device {} from {}",
                LogSafe.text(request.clientId()), device.deviceId(), request.remoteAddress());
        // A password in a rotation's grace period holds the connection only until the grace ends, like
        // the connections made before the rotation (MQTT 5: DISCONNECT 0xA0, as at a token's expiry).
        DeviceIdentity identity = new DeviceIdentity(device.deviceId(), request.username(), request.clientId(),
                List.of());
        return AuthenticationResult.success(identity, matching.get().expiresAt());
    }

    /** The credential {@code password} matches, one without an expiry first (its hash is checked first too). */
    private Optional<DeviceAuthRecord.Credential> matchingCredential(List<DeviceAuthRecord.Credential> current,
                                                                     String password) {
        Optional<DeviceAuthRecord.Credential> lasting = current.stream()
                .filter(c -> c.expiresAt() == null && matches(c, password)).findFirst();
        return lasting.isPresent() ? lasting
                : current.stream().filter(c -> c.expiresAt() != null && matches(c, password)).findFirst();
    }

    /**
     * A client id the template lets this device use may also fit a longer device's template (with
     * {@code %u-*}, {@code p-x-1} fits {@code p} and {@code p-x}): it belongs to the longest device it
     * fits, so that no device acts as another under a client id of that one.
     */
    private CompletableFuture<AuthenticationResult> unlessAnotherDeviceOwnsTheClientId(
            AuthenticationRequest request, String deviceId, AuthenticationResult result) {
        if (!(result instanceof AuthenticationResult.Success)) {
            return CompletableFuture.completedFuture(result);
        }
        List<String> longer = clientIdBinding.longerIdentitiesAllowed(deviceId, request.clientId(), MAX_OWNER_LOOKUPS);
        if (longer.isEmpty()) {
            return CompletableFuture.completedFuture(result);
        }
        List<CompletableFuture<Optional<DeviceAuthRecord>>> lookups = longer.stream().map(cache::get).toList();
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            for (CompletableFuture<Optional<DeviceAuthRecord>> lookup : lookups) {
                Optional<DeviceAuthRecord> owner = lookup.join();
                if (owner.isPresent()) {
                    return refuse(request, Refusal.CLIENT_ID_NOT_ALLOWED, "client id fits device "
                            + LogSafe.text(owner.get().deviceId()) + ", whose template it fits more closely");
                }
            }
            return result;
        });
    }

    /** A credential given as SCRAM verifiers only is checked by deriving the verifier (PBKDF2). */
    private boolean matches(DeviceAuthRecord.Credential credential, String password) {
        if (credential.hash() != null) {
            return hasher.matches(password, credential.hash());
        }
        ScramVerifier verifier = credential.scramSha256() != null ? credential.scramSha256() : credential.scramSha512();
        return verifier != null && verifier.matchesPassword(password);
    }

    /**
     * The newest current credential's verifier of {@code mechanism}. Only a newest credential with
     * one counts (SCRAM shows one salt per exchange): during a rotation's grace period a device still
     * on its old password logs in with the password, not SCRAM.
     */
    @Override
    public CompletableFuture<Optional<ScramVerifier>> verifier(String username, ScramMechanism mechanism) {
        try {
            return cache.get(username).thenApply(device -> device.flatMap(d -> d.credentials().stream()
                    .filter(c -> c.isValidAt(clock.instant()))
                    .findFirst()
                    .map(c -> c.scram(mechanism))));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** After a SCRAM proof: the same checks as after a password (enabled, client id), with the device's rules. */
    @Override
    public CompletableFuture<AuthenticationResult> admit(String username, AuthenticationRequest request) {
        try {
            return cache.get(username).thenCompose(found -> {
                if (found.isEmpty()) {
                    return CompletableFuture.completedFuture(refuse(request, Refusal.BAD_USERNAME_OR_PASSWORD, "device deleted"));
                }
                DeviceAuthRecord device = found.get();
                if (!device.enabled()) {
                    return CompletableFuture.completedFuture(refuse(request, Refusal.NOT_AUTHORIZED, "device disabled"));
                }
                if (!clientIdBinding.allows(device.deviceId(), request.clientId())) {
                    return CompletableFuture.completedFuture(refuse(request, Refusal.CLIENT_ID_NOT_ALLOWED,
                            "client id does not fit '" + clientIdBinding + "'"));
                }
                DeviceIdentity identity = new DeviceIdentity(device.deviceId(), username, request.clientId(), List.of());
                return unlessAnotherDeviceOwnsTheClientId(request, device.deviceId(), AuthenticationResult.success(
                        identity, null, AclRuleSet.forIdentity(device.rules(), identity)));
            });
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(refuse(request, Refusal.SERVER_UNAVAILABLE, "registry overloaded"));
        }
    }

    private static AuthenticationResult refuse(AuthenticationRequest request, Refusal refusal, String why) {
        LOG.info("Refused client {} (user name {}) from {}: {} ({})", LogSafe.text(request.clientId()),
                LogSafe.text(request.username()),
                request.remoteAddress(), refusal, why);
        return AuthenticationResult.refused(refusal);
    }

    @Override
    public CompletableFuture<TopicPermissions> permissionsFor(DeviceIdentity identity) {
        if (!identity.aclRules().isEmpty()) {
            return CompletableFuture.completedFuture(
                    AclRuleSet.forIdentity(identity.aclRules(), identity));
        }
        if (identity.deviceId() == null) {
            return CompletableFuture.completedFuture(AclRuleSet.forIdentity(List.of(), identity));
        }
        return cache.get(identity.deviceId()).thenApply(device -> AclRuleSet.forIdentity(
                device.map(DeviceAuthRecord::rules).orElse(List.of()), identity));
    }

    /**
     * Whether the device is enabled, as the database says now (the cache entry is reloaded); empty
     * when the registry has no such device.
     */
    public CompletableFuture<Optional<Boolean>> enabled(String deviceId) {
        invalidate(deviceId);
        return cache.get(deviceId).thenApply(device -> device.map(DeviceAuthRecord::enabled));
    }

    /** Forgets what is cached about the device: call after changing it, its password or its rules. */
    public void invalidate(String deviceId) {
        cache.synchronous().invalidate(deviceId);
    }

    public void invalidateAll() {
        cache.synchronous().invalidateAll();
    }

    /** Stops the registry's threads; pending requests complete, new ones are refused. */
    @Override
    public void close() {
        executor.shutdown();
    }

    ThreadPoolExecutor executor() {
        return executor;
    }
}
