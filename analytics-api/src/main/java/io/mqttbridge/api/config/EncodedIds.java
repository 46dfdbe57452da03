package io.mqttbridge.api.config;

import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.ServerFactory;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http.UriCompliance.Violation;

import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Every id reaches the API as one path segment, percent-encoded: an MQTT client id or device id may
 * hold any character, and {@code plant-3/sensor-7}, {@code 50%}, {@code a\b}, {@code ..} are all
 * {@code /api/v1/live/clients/plant-3%2Fsensor-7}, {@code .../50%25}, {@code .../a%5Cb},
 * {@code .../%2E%2E}. Jetty refused each of those encodings by default (an ambiguous path separator,
 * encoding or segment, a suspicious character), so no such client or device could be looked at,
 * disconnected or deleted, though MQTT took it and the API created it.
 *
 * <p>Jetty refuses them because a rule or a file server that works on the decoded path could read
 * {@code a%2F..%2Fb} otherwise than the application. Nothing under {@code /api/} is secured or served
 * by its path: the API's resources check roles themselves and Jersey takes each encoded segment as
 * one id. The console's files are served by path, so a request whose URI or decoded path is not under
 * {@code /api/} is refused (400) when it holds any of these encodings, as Jetty did everywhere before.
 * The admin port keeps Jetty's default.
 */
public final class EncodedIds {

    static final String API_PREFIX = "/api/";

    /** What Jetty's default refuses and an encoded id can hold: /, %, \ or a control character, . or .. */
    private static final Set<Violation> IN_API_IDS = EnumSet.of(Violation.AMBIGUOUS_PATH_SEPARATOR,
            Violation.AMBIGUOUS_PATH_ENCODING, Violation.AMBIGUOUS_PATH_SEGMENT, Violation.SUSPICIOUS_PATH_CHARACTERS);

    private EncodedIds() {
    }

    /** Call before the server is built. */
    public static void allowInApiIds(ServerFactory serverFactory, Environment environment) {
        for (ConnectorFactory connector : applicationConnectors(serverFactory)) {
            if (connector instanceof HttpConnectorFactory http
                    && UriCompliance.DEFAULT.equals(http.getUriCompliance())) {
                http.setUriCompliance(UriCompliance.DEFAULT.with("encoded ids",
                        IN_API_IDS.toArray(Violation[]::new)));
            }
        }
        environment.getApplicationContext().getServletHandler().setDecodeAmbiguousURIs(true);
        environment.servlets().addFilter("encoded-ids-outside-the-api", new OutsideTheApi())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    }

    private static List<ConnectorFactory> applicationConnectors(ServerFactory serverFactory) {
        if (serverFactory instanceof DefaultServerFactory factory) {
            return factory.getApplicationConnectors();
        }
        if (serverFactory instanceof SimpleServerFactory factory) {
            return List.of(factory.getConnector());
        }
        return List.of();
    }

    /** Refuses the encodings of ids outside {@code /api/}, as Jetty did everywhere before. */
    static final class OutsideTheApi implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            if (!inTheApi((HttpServletRequest) request) && holdsEncodedIds(request)) {
                ((HttpServletResponse) response).sendError(HttpServletResponse.SC_BAD_REQUEST,
                        "an encoded /, %, \\, control character or dot segment is only taken in the ids of"
                                + " /api/ paths");
                return;
            }
            chain.doFilter(request, response);
        }

        /*
         * Both: the URI as sent and the path it decodes to, which servlets are mapped by. /api/%2E%2E/x
         * is sent under /api/ but decodes to /x, which could be a console file.
         */
        private static boolean inTheApi(HttpServletRequest request) {
            String decoded = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
            return request.getRequestURI().startsWith(API_PREFIX) && decoded.startsWith(API_PREFIX);
        }

        /** Unknown (not Jetty's request): taken as holding them. */
        private static boolean holdsEncodedIds(ServletRequest request) {
            ServletContextRequest jettyRequest = ServletContextRequest.getServletContextRequest(request);
            return jettyRequest == null
                    || jettyRequest.getHttpURI().getViolations().stream().anyMatch(IN_API_IDS::contains);
        }
    }
}
