package io.mqttbridge.api.resources;

import io.dropwizard.core.setup.Environment;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.api.auth.ApiAuthConfig;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.auth.ApiSecurity;
import io.mqttbridge.api.auth.TokenAuthenticator;
import io.mqttbridge.api.errors.ProblemMappers;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resource tests run with the production conventions: the same problem mappers and the same
 * authentication and role checks as the application, with a reader and an admin bearer token.
 */
final class ResourceTestSupport {

    static final String READER = "Bearer reader-token-for-tests";
    static final String ADMIN = "Bearer admin-token-for-tests";

    private ResourceTestSupport() {
    }

    static ResourceExtension.Builder resources() {
        Environment environment = new Environment("resource-test");
        ProblemMappers.register(environment.jersey());
        ApiAuthConfig auth = new ApiAuthConfig();
        auth.setTokens(List.of(token("reader", "reader-token-for-tests", ApiRole.READ_ONLY),
                token("admin", "admin-token-for-tests", ApiRole.ADMIN)));
        try {
            ApiSecurity.install(auth, Files.createTempDirectory("resource-test"), environment);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ResourceExtension.Builder builder = ResourceExtension.builder().setRegisterDefaultExceptionMappers(false)
                .setMapper(ApiResources.configureJson(Jackson.newObjectMapper()));
        environment.jersey().getResourceConfig().getSingletons().forEach(builder::addProvider);
        environment.jersey().getResourceConfig().getClasses().stream()
                .filter(c -> !c.getName().startsWith("io.dropwizard.jersey"))
                .forEach(builder::addProvider);
        return builder;
    }

    private static ApiAuthConfig.TokenClient token(String name, String token, ApiRole role) {
        ApiAuthConfig.TokenClient client = new ApiAuthConfig.TokenClient();
        client.setName(name);
        client.setTokenSha256(TokenAuthenticator.sha256Hex(token));
        client.setRole(role);
        return client;
    }

    /** A request to {@code pathAndQuery} (query values URL-encoded, as in a browser) with the given credentials. */
    static Invocation.Builder as(ResourceExtension resources, String authorization, String pathAndQuery) {
        int question = pathAndQuery.indexOf('?');
        WebTarget target = resources.target(question < 0 ? pathAndQuery : pathAndQuery.substring(0, question));
        if (question >= 0) {
            for (String pair : pathAndQuery.substring(question + 1).split("&")) {
                int equals = pair.indexOf('=');
                target = target.queryParam(pair.substring(0, equals),
                        URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        Invocation.Builder request = target.request();
        return authorization == null ? request : request.header(HttpHeaders.AUTHORIZATION, authorization);
    }

    /** Asserts a problem+json error with {@code status} whose detail contains {@code detailPart}. */
    @SuppressWarnings("unchecked")
    static void assertProblem(Response response, int status, String detailPart) {
        try (response) {
            assertThat(response.getStatus()).isEqualTo(status);
            assertThat(response.getMediaType().toString()).startsWith("application/problem+json");
            Map<String, Object> body = response.readEntity(Map.class);
            assertThat(body).containsEntry("status", status);
            assertThat((String) body.get("detail")).contains(detailPart);
        }
    }
}
