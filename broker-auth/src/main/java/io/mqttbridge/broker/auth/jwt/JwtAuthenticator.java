package io.mqttbridge.broker.auth.jwt;

import io.mqttbridge.broker.spi.LogSafe;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.mqttbridge.broker.auth.internal.VerificationExecutor;
import io.mqttbridge.broker.auth.jwt.internal.AclClaim;
import io.mqttbridge.broker.spi.AclRule;
import io.mqttbridge.broker.spi.AuthenticationRequest;
import io.mqttbridge.broker.spi.AuthenticationResult;
import io.mqttbridge.broker.spi.AuthenticationResult.Refusal;
import io.mqttbridge.broker.spi.Authenticator;
import io.mqttbridge.broker.spi.DeviceIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Authenticates clients by an OAuth 2.0 / OpenID Connect access token (a signed JWT) sent as the
 * MQTT password.
 *
 * <ul>
 *   <li>The signature is checked against a JWKS file or URL (RS256, ES256 by default) or a shared
 *       secret (HS256); {@code exp} (required unless {@code requireExpiry} is off), {@code nbf},
 *       {@code iss} and {@code aud} are checked with {@code clockSkewSeconds} of tolerance.
 *   <li>The device id is the {@code deviceIdClaim} ({@code sub} by default). The MQTT client id
 *       must equal the {@code clientIdClaim} when that is set, else fit {@code clientIdPattern}
 *       (by default: equal the device id); otherwise {@link Refusal#CLIENT_ID_NOT_ALLOWED}. When
 *       {@code usernameClaim} is set, the user name must equal that claim, else
 *       {@link Refusal#NOT_AUTHORIZED}; when it is not, the identity's user name is the device id,
 *       not the unchecked one the client sent.
 *   <li>ACL rules in the {@code aclClaim} become {@link DeviceIdentity#aclRules()} (see
 *       {@link JwtAuthorizer}); a malformed ACL claim refuses the token.
 *   <li>The connection ends when the token expires ({@code exp} plus the clock skew), through
 *       {@link AuthenticationResult#success(DeviceIdentity, Instant)}.
 *   <li>No password, or a password that is not a valid token: {@link Refusal#BAD_USERNAME_OR_PASSWORD},
 *       so that a chain of authenticators may try the next method.
 * </ul>
 *
 * <p>Threading: {@link #authenticate} never verifies on the calling event loop; tokens are checked
 * on a small bounded pool (a JWKS URL is fetched there, and cached). When the pool's queue is full
 * the connect is refused with {@link Refusal#SERVER_UNAVAILABLE}. Tokens are never logged.
 * Close it to stop its threads.
 */
public final class JwtAuthenticator implements Authenticator, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(JwtAuthenticator.class);

    private final JwtAuthConfig config;
    private final DefaultJWTProcessor<SecurityContext> processor;
    private final ExecutorService executor;

    /** @throws IllegalArgumentException naming the key when the configuration or the JWKS file is invalid */
    public JwtAuthenticator(JwtAuthConfig config) {
        this.config = Objects.requireNonNull(config, "config").validate();
        Set<JWSAlgorithm> algorithms = new HashSet<>();
        config.effectiveAlgorithms().forEach(name -> algorithms.add(JWSAlgorithm.parse(name)));
        processor = new DefaultJWTProcessor<>();
        // Plain JWTs (no typ, or JWT) and OAuth 2.0 access tokens in the JWT profile (RFC 9068: at+jwt).
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, null,
                new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keySource(config)));
        Set<String> required = new HashSet<>(Set.of(config.getDeviceIdClaim()));
        if (config.isRequireExpiry()) {
            required.add("exp");
        }
        if (config.getIssuer() != null) {
            required.add("iss");
        }
        JWTClaimsSet exact = config.getIssuer() == null ? new JWTClaimsSet.Builder().build()
                : new JWTClaimsSet.Builder().issuer(config.getIssuer()).build();
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                config.getAudiences().isEmpty() ? null : new HashSet<>(config.getAudiences()), exact, required, null);
        claims.setMaxClockSkew(config.getClockSkewSeconds());
        processor.setJWTClaimsSetVerifier(claims);
        executor = VerificationExecutor.create(config.getVerificationThreads(), config.getVerificationQueue());
    }

    private static JWKSource<SecurityContext> keySource(JwtAuthConfig config) {
        if (config.getSharedSecret() != null) {
            return new ImmutableSecret<>(config.getSharedSecret().getBytes(StandardCharsets.UTF_8));
        }
        if (config.getJwksFile() != null) {
            try {
                return new ImmutableJWKSet<>(JWKSet.load(new File(config.getJwksFile())));
            } catch (IOException | ParseException e) {
                throw new IllegalArgumentException("JWT authentication 'jwksFile': cannot read a JWK set from "
                        + config.getJwksFile() + ": " + e.getMessage(), e);
            }
        }
        try {
            URL url = URI.create(config.getJwksUrl()).toURL();
            long ttl = TimeUnit.SECONDS.toMillis(config.getJwksCacheSeconds());
            return JWKSourceBuilder.<SecurityContext>create(url)
                    .cache(ttl, JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT)
                    .retrying(true)
                    .build();
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            throw new IllegalArgumentException("JWT authentication 'jwksUrl' is not a valid URL: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<AuthenticationResult> authenticate(AuthenticationRequest request) {
        byte[] password = request.password();
        if (password == null || !looksLikeJwt(password)) {
            return CompletableFuture.completedFuture(AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD));
        }
        String token = new String(password, StandardCharsets.US_ASCII);
        try {
            return CompletableFuture.supplyAsync(() -> verify(token, request), executor);
        } catch (RejectedExecutionException e) {
            LOG.warn("JWT verification queue full; refusing client {} as server unavailable",
                    LogSafe.text(request.clientId()));
            return CompletableFuture.completedFuture(AuthenticationResult.refused(Refusal.SERVER_UNAVAILABLE));
        }
    }

    /** Verifies on the pool thread: may fetch a JWKS URL. */
    private AuthenticationResult verify(String token, AuthenticationRequest request) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException | BadJOSEException e) {
            LOG.info("Refused token of client {}: {}", LogSafe.text(request.clientId()), e.getMessage());
            return AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD);
        } catch (JOSEException e) {
            // Keys could not be fetched or used: the fault is ours, not the client's.
            LOG.warn("Cannot verify token of client {}: {}", LogSafe.text(request.clientId()), e.getMessage());
            return AuthenticationResult.refused(Refusal.SERVER_UNAVAILABLE);
        }
        String deviceId = stringClaim(claims, config.getDeviceIdClaim());
        if (deviceId == null || deviceId.isEmpty()) {
            LOG.info("Refused token of client {}: claim '{}' is missing or not a string",
                    LogSafe.text(request.clientId()),
                    config.getDeviceIdClaim());
            return AuthenticationResult.refused(Refusal.BAD_USERNAME_OR_PASSWORD);
        }
        boolean clientIdFits = config.getClientIdClaim() != null
                ? boundClaimMatches(claims, config.getClientIdClaim(), request.clientId())
                : config.clientIdBinding().allows(deviceId, request.clientId());
        if (!clientIdFits) {
            LOG.info("Refused token of client {}: the client id is not one device {} may use",
                    LogSafe.text(request.clientId()), deviceId);
            return AuthenticationResult.refused(Refusal.CLIENT_ID_NOT_ALLOWED);
        }
        if (!boundClaimMatches(claims, config.getUsernameClaim(), request.username())) {
            LOG.info("Refused token of client {}: user name does not match the token",
                    LogSafe.text(request.clientId()));
            return AuthenticationResult.refused(Refusal.NOT_AUTHORIZED);
        }
        List<AclRule> rules = List.of();
        Object acl = claims.getClaim(config.getAclClaim());
        if (acl != null) {
            try {
                rules = AclClaim.parse(acl, config.getAclClaim());
                if (rules.isEmpty()) {
                    // An explicitly empty ACL claim grants nothing; it must not fall back to the default ACL.
                    rules = List.of(AclRule.deny(AclRule.Action.ALL, "#"));
                }
            } catch (IllegalArgumentException e) {
                LOG.info("Refused token of client {}: {}", LogSafe.text(request.clientId()), e.getMessage());
                return AuthenticationResult.refused(Refusal.NOT_AUTHORIZED);
            }
        }
        // The user name is recorded with every message (Kafka header, history, USERNAME keys): without a
        // claim that binds it, it is whatever the client sent, so the token's device id stands for it.
        String username = config.getUsernameClaim() != null ? request.username() : deviceId;
        DeviceIdentity identity = new DeviceIdentity(deviceId, username, request.clientId(), rules);
        Instant expiresAt = claims.getExpirationTime() == null ? null
                : claims.getExpirationTime().toInstant().plusSeconds(config.getClockSkewSeconds());
        return AuthenticationResult.success(identity, expiresAt);
    }

    private static boolean boundClaimMatches(JWTClaimsSet claims, String claimName, String value) {
        return claimName == null || (value != null && value.equals(stringClaim(claims, claimName)));
    }

    private static String stringClaim(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        return value instanceof String text ? text : null;
    }

    /** Three base64url parts separated by dots; anything else is not a token (maybe a password for the next method). */
    private static boolean looksLikeJwt(byte[] password) {
        int dots = 0;
        for (byte b : password) {
            if (b == '.') {
                dots++;
            } else if (!(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_')) {
                return false;
            }
        }
        return dots == 2;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
