package io.mqttbridge.api.console;

import io.mqttbridge.api.mqttauth.ChainedMqttAuth;
import io.mqttbridge.broker.auth.ListenerAuthenticator;
import io.mqttbridge.broker.auth.jwt.JwtAuthenticator;
import io.mqttbridge.broker.auth.jwt.JwtAuthorizer;
import io.mqttbridge.broker.config.BrokerConfig;
import io.mqttbridge.broker.listener.ListenerConfig;
import io.mqttbridge.broker.listener.TlsConfig;
import io.mqttbridge.broker.listener.Transport;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.Authenticator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the console's live view needs from the broker, prepared before the broker starts: the WSS
 * listener it connects to (given a generated certificate when it has none), the token issuer, and
 * the authentication method that accepts those tokens on that listener only.
 */
public final class ConsoleLiveAccess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleLiveAccess.class);
    private static final Authenticator UNKNOWN_HERE = request ->
            CompletableFuture.completedFuture(AuthenticationResult.refused(AuthenticationResult.Refusal.BAD_USERNAME_OR_PASSWORD));

    private final ConsoleConfig config;
    private final ListenerConfig listener;
    private final LiveTokens tokens;
    private JwtAuthenticator authenticator;

    private ConsoleLiveAccess(ConsoleConfig config, ListenerConfig listener, LiveTokens tokens) {
        this.config = config;
        this.listener = listener;
        this.tokens = tokens;
    }

    /**
     * Finds the live listener in {@code broker} and, when it is a WSS listener without TLS
     * settings, gives it a self-signed certificate under {@code dataDirectory}.
     */
    public static ConsoleLiveAccess prepare(ConsoleConfig config, BrokerConfig broker, Path dataDirectory) {
        ListenerConfig listener = broker.getListeners().stream()
                .filter(l -> config.getLiveListener().equals(l.getName()))
                .findFirst().orElse(null);
        if (listener == null) {
            LOG.info("No broker listener named '{}' (console.liveListener): the console's live view is off",
                    config.getLiveListener());
        } else if (listener.getTransport() != Transport.WSS) {
            throw new IllegalArgumentException("console.liveListener '" + config.getLiveListener()
                    + "' must name a listener with transport WSS, not " + listener.getTransport());
        } else if (listener.getTls() == null) {
            GeneratedCertificate.KeyStore keyStore = GeneratedCertificate.inDirectory(
                    dataDirectory.resolve(ConsoleConfig.DEFAULT_CERTIFICATE_DIRECTORY));
            TlsConfig tls = new TlsConfig();
            tls.setKeyStoreFile(keyStore.keyStore().toString());
            tls.setKeyStorePassword(keyStore.password());
            listener.setTls(tls);
        }
        String secret = config.getLiveTokenSecret() != null ? config.getLiveTokenSecret()
                : readOrCreateSecret(dataDirectory.resolve(ConsoleConfig.DEFAULT_SECRET_FILE));
        return new ConsoleLiveAccess(config, listener,
                new LiveTokens(secret, Duration.ofSeconds(config.getLiveTokenSeconds()), Clock.systemUTC()));
    }

    /** The live listener, when one is configured. */
    public Optional<ListenerConfig> listener() {
        return Optional.ofNullable(listener);
    }

    public LiveTokens tokens() {
        return tokens;
    }

    public ConsoleConfig config() {
        return config;
    }

    /**
     * The first method of the MQTT authentication chain: live-view tokens on the live listener.
     * Anything else (another listener, a password that is not such a token) is passed on.
     */
    public Optional<ChainedMqttAuth.Method> authMethod() {
        if (listener == null) {
            return Optional.empty();
        }
        authenticator = new JwtAuthenticator(tokens.verifierConfig());
        Authenticator onLiveListener = new ListenerAuthenticator(Map.of(listener.getName(), authenticator), UNKNOWN_HERE);
        return Optional.of(new ChainedMqttAuth.Method("console-live-token", onLiveListener,
                new JwtAuthorizer(tokens.verifierConfig())));
    }

    @Override
    public void close() {
        if (authenticator != null) {
            authenticator.close();
        }
    }

    private static String readOrCreateSecret(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                LOG.debug("Cannot restrict permissions of {} on this file system", file);
            }
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the console's live-token secret " + file, e);
        }
    }
}
