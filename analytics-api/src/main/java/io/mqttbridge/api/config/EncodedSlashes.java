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
import org.eclipse.jetty.http.UriCompliance;

import java.io.IOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * Ids with a slash in them reach the API as one path segment, the slash encoded:
 * {@code /api/v1/live/clients/plant-3%2Fsensor-7}. MQTT client ids such as {@code plant-3/sensor-7}
 * are common, and a device id may be one too; Jetty refused every encoded slash (an "ambiguous path
 * separator"), so no such client or device could be looked at, disconnected or deleted.
 *
 * <p>Jetty refuses it because a rule that secures paths could read {@code a%2F..%2Fb} otherwise than
 * the application. Nothing here is secured by its path: the API's resources check roles themselves
 * and take the decoded text as one id. The console's files are served by path, so outside
 * {@code /api/} an encoded slash is still refused (400). The admin port keeps Jetty's default.
 */
public final class EncodedSlashes {

    static final String API_PREFIX = "/api/";

    private EncodedSlashes() {
    }

    /** Call before the server is built. */
    public static void allowInApiIds(ServerFactory serverFactory, Environment environment) {
        for (ConnectorFactory connector : applicationConnectors(serverFactory)) {
            if (connector instanceof HttpConnectorFactory http && UriCompliance.DEFAULT.equals(http.getUriCompliance())) {
                http.setUriCompliance(UriCompliance.DEFAULT.with("ids with a slash",
                        UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR));
            }
        }
        environment.getApplicationContext().getServletHandler().setDecodeAmbiguousURIs(true);
        environment.servlets().addFilter("encoded-slashes-outside-the-api", new OutsideTheApi())
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

    /** Refuses an encoded slash outside {@code /api/}, as Jetty did everywhere before. */
    static final class OutsideTheApi implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            String uri = ((HttpServletRequest) request).getRequestURI();
            if (!uri.startsWith(API_PREFIX) && uri.toLowerCase(Locale.ROOT).contains("%2f")) {
                ((HttpServletResponse) response).sendError(HttpServletResponse.SC_BAD_REQUEST,
                        "an encoded slash (%2F) is only taken in the ids of /api/ paths");
                return;
            }
            chain.doFilter(request, response);
        }
    }
}
