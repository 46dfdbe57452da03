package io.mqttbridge.api.config;

import io.dropwizard.core.setup.Environment;
import org.eclipse.jetty.server.handler.CrossOriginHandler;

import java.time.Duration;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Puts Jetty's CORS handler in front of the API's servlet context when {@link ApiCorsConfig} lists
 * origins. It answers preflight requests itself (before authentication: browsers send them without
 * credentials) and adds the {@code Access-Control-*} headers to the answers for listed origins;
 * requests from other origins are served as before, without them, so browsers keep their pages out.
 */
public final class ApiCors {

    static final Set<String> METHODS = Set.of("GET", "POST", "PATCH", "DELETE", "HEAD");
    static final Set<String> REQUEST_HEADERS = Set.of("Authorization", "Content-Type", "Accept");

    private ApiCors() {
    }

    public static void install(ApiCorsConfig config, Environment environment) {
        if (config.isEnabled()) {
            environment.getApplicationContext().insertHandler(handler(config));
        }
    }

    static CrossOriginHandler handler(ApiCorsConfig config) {
        CrossOriginHandler cors = new CrossOriginHandler();
        cors.setAllowedOriginPatterns(config.getAllowedOrigins().stream()
                .map(origin -> origin.equals("*") ? ".*" : Pattern.quote(origin))
                .collect(Collectors.toSet()));
        cors.setAllowCredentials(config.isAllowCredentials());
        cors.setAllowedMethods(METHODS);
        cors.setAllowedHeaders(REQUEST_HEADERS);
        // Pages may read the headers a paging client or a retry needs.
        cors.setExposedHeaders(Set.of("Location", "Retry-After", "WWW-Authenticate"));
        cors.setPreflightMaxAge(Duration.ofSeconds(config.getPreflightMaxAgeSeconds()));
        cors.setDeliverNonAllowedOriginRequests(true);
        return cors;
    }
}
