package io.mqttbridge.api.auth;

import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthFilter;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.auth.CachingAuthenticator;
import io.dropwizard.auth.UnauthorizedHandler;
import io.dropwizard.auth.basic.BasicCredentialAuthFilter;
import io.dropwizard.auth.basic.BasicCredentials;
import io.dropwizard.auth.chained.ChainedAuthFilter;
import io.dropwizard.auth.oauth.OAuthCredentialAuthFilter;
import io.dropwizard.core.setup.Environment;
import io.mqttbridge.api.errors.Problem;
import jakarta.ws.rs.core.Response;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Installs authentication (bearer tokens, then basic auth) and role checks on every resource that
 * declares {@code @RolesAllowed}. Unauthenticated requests to such resources get 401 with a
 * problem+json body; authenticated clients without the role get 403.
 */
public final class ApiSecurity {

    private static final Logger LOG = LoggerFactory.getLogger(ApiSecurity.class);

    private ApiSecurity() {
    }

    public static void install(ApiAuthConfig config, Path dataDirectory, Environment environment) {
        List<ApiAuthConfig.TokenClient> tokens = new ArrayList<>(config.getTokens());
        if (!config.hasClients()) {
            tokens.add(generatedAdminToken(dataDirectory.resolve(config.getGeneratedTokenFile())));
        }
        RoleAuthorizer authorizer = new RoleAuthorizer();
        UnauthorizedHandler unauthorized = new ProblemUnauthorizedHandler();

        AuthFilter<String, ApiPrincipal> tokenFilter = new OAuthCredentialAuthFilter.Builder<ApiPrincipal>()
                .setAuthenticator(new TokenAuthenticator(tokens))
                .setAuthorizer(authorizer)
                .setPrefix("Bearer")
                .setRealm("mqtt-kafka-bridge")
                .setUnauthorizedHandler(unauthorized)
                .buildAuthFilter();
        CachingAuthenticator<BasicCredentials, ApiPrincipal> passwords = new CachingAuthenticator<>(
                environment.metrics(), new PasswordAuthenticator(config.getUsers()),
                com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                        .maximumSize(1_000).expireAfterWrite(java.time.Duration.ofMinutes(5)));
        AuthFilter<BasicCredentials, ApiPrincipal> basicFilter = new BasicCredentialAuthFilter.Builder<ApiPrincipal>()
                .setAuthenticator(passwords)
                .setAuthorizer(authorizer)
                .setRealm("mqtt-kafka-bridge")
                .setUnauthorizedHandler(unauthorized)
                .buildAuthFilter();

        @SuppressWarnings({"rawtypes", "unchecked"})
        ChainedAuthFilter chained = new ChainedAuthFilter(List.of(tokenFilter, basicFilter));
        environment.jersey().register(new AuthDynamicFeature(chained));
        environment.jersey().register(RolesAllowedDynamicFeature.class);
        environment.jersey().register(new AuthValueFactoryProvider.Binder<>(ApiPrincipal.class));
    }

    private static ApiAuthConfig.TokenClient generatedAdminToken(Path tokenFile) {
        String token = readOrCreateToken(tokenFile);
        ApiAuthConfig.TokenClient client = new ApiAuthConfig.TokenClient();
        client.setName("generated-admin");
        client.setRole(ApiRole.ADMIN);
        client.setTokenSha256(TokenAuthenticator.sha256Hex(token));
        LOG.warn("No API clients configured (apiAuth.tokens / apiAuth.users): using the generated admin "
                + "bearer token stored in {}", tokenFile.toAbsolutePath());
        return client;
    }

    private static String readOrCreateToken(Path tokenFile) {
        try {
            if (Files.exists(tokenFile)) {
                return Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            }
            Files.createDirectories(tokenFile.toAbsolutePath().getParent());
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Files.writeString(tokenFile, token + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                LOG.debug("Cannot restrict permissions of {} on this file system", tokenFile);
            }
            return token;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API admin token file " + tokenFile, e);
        }
    }

    /** 401 with a problem+json body and the challenge the client failed. */
    private static final class ProblemUnauthorizedHandler implements UnauthorizedHandler {
        @Override
        public Response buildResponse(String prefix, String realm) {
            return Response.status(Response.Status.UNAUTHORIZED)
                    .header("WWW-Authenticate", prefix + " realm=\"" + realm + "\"")
                    .type(Problem.MEDIA_TYPE)
                    .entity(Problem.of(401, "unauthorized", "Unauthorized",
                            "valid credentials are required (a bearer token or basic auth): none were given, or they are"
                                    + " not known here"))
                    .build();
        }
    }
}
