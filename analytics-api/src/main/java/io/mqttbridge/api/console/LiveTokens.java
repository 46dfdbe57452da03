package io.mqttbridge.api.console;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.mqttbridge.broker.auth.jwt.JwtAuthConfig;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Issues the short-lived MQTT credentials of the console's live view: an HS256 JWT that the
 * broker's own {@code JwtAuthenticator} verifies on the live listener (see {@link #verifierConfig()}).
 * A token lets one client id subscribe to one topic filter and nothing else: no publishing, no
 * other filter. API readers may read every message through the history API, so any filter is
 * granted to any signed-in operator.
 *
 * <p>Thread-safe.
 */
public final class LiveTokens {

    static final String ISSUER = "mqtt-kafka-bridge-console";
    static final String AUDIENCE = "mqtt-kafka-bridge-live";
    static final String CLIENT_ID_CLAIM = "client_id";
    static final String ACL_CLAIM = "mqtt_acl";

    /** What the browser needs to connect. */
    public record Grant(String token, String clientId, String username, Instant expiresAt) {
    }

    private final String secret;
    private final Duration lifetime;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public LiveTokens(String secret, Duration lifetime, Clock clock) {
        if (secret.getBytes(StandardCharsets.UTF_8).length < JwtAuthConfig.MIN_SHARED_SECRET_BYTES) {
            throw new IllegalArgumentException("the live-token secret must be at least 32 bytes");
        }
        this.secret = secret;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** A token for {@code operator} to subscribe to {@code topicFilter} (already validated). */
    public Grant issue(String operator, String topicFilter) {
        byte[] suffix = new byte[6];
        random.nextBytes(suffix);
        String clientId = "console-" + HexFormat.of().formatHex(suffix);
        Instant now = clock.instant();
        Instant expiresAt = now.plus(lifetime);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject("console:" + operator)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expiresAt))
                .claim(CLIENT_ID_CLAIM, clientId)
                .claim(ACL_CLAIM, List.of(Map.of("permission", "allow", "action", "subscribe", "topic", topicFilter)))
                .build();
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return new Grant(jwt.serialize(), clientId, "console:" + operator, expiresAt);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a live-view token", e);
        }
    }

    /** The broker-side settings that accept exactly these tokens (and no other JWT). */
    public JwtAuthConfig verifierConfig() {
        JwtAuthConfig config = new JwtAuthConfig();
        config.setSharedSecret(secret);
        config.setAlgorithms(List.of("HS256"));
        config.setIssuer(ISSUER);
        config.setAudiences(List.of(AUDIENCE));
        config.setRequireExpiry(true);
        config.setClientIdClaim(CLIENT_ID_CLAIM);
        config.setAclClaim(ACL_CLAIM);
        config.setClockSkewSeconds(5);
        config.setVerificationThreads(1);
        return config.validate();
    }
}
