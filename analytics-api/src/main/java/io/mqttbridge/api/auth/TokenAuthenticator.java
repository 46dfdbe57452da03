package io.mqttbridge.api.auth;

import io.dropwizard.auth.Authenticator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Bearer tokens, compared by SHA-256 in constant time. */
public class TokenAuthenticator implements Authenticator<String, ApiPrincipal> {

    private record KnownToken(byte[] sha256, ApiPrincipal principal) {
    }

    private final List<KnownToken> tokens;

    public TokenAuthenticator(List<ApiAuthConfig.TokenClient> clients) {
        this.tokens = clients.stream()
                .map(c -> new KnownToken(HexFormat.of().parseHex(c.getTokenSha256()),
                        new ApiPrincipal(c.getName(), c.getRole())))
                .toList();
    }

    @Override
    public Optional<ApiPrincipal> authenticate(String presentedToken) {
        byte[] presented = sha256(presentedToken);
        ApiPrincipal match = null;
        for (KnownToken token : tokens) {
            // Compare against every token so the time taken does not reveal which one matched.
            if (MessageDigest.isEqual(token.sha256(), presented) && match == null) {
                match = token.principal();
            }
        }
        return Optional.ofNullable(match);
    }

    public static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
