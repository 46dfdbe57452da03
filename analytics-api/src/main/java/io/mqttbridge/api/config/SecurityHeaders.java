package io.mqttbridge.api.config;

import io.dropwizard.core.setup.Environment;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.EnumSet;

/**
 * The headers that keep a browser from turning the console or the API against its operator: no page
 * of ours in another site's frame (clickjacking of the console's buttons: disable, delete, rotate),
 * no content type guessed from device-made bytes, no address leaked as a referrer, and no answer of
 * the API (device lists, a generated password) kept in a cache. The console's pages get a content
 * security policy of their own files only: its scripts, its styles (and style attributes, which
 * its bar charts set), data: images (its empty icon), and connections to this origin and to the
 * broker's secure WebSocket listener (another port, so a scheme source), which its live view uses,
 * whose MQTT.js keeps its timers in a worker made from a blob: URL.
 */
public final class SecurityHeaders implements Filter {

    static final String CONSOLE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
            + " img-src 'self' data:; connect-src 'self' wss:; worker-src 'self' blob:; object-src 'none';"
            + " base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    static final String API_POLICY = "default-src 'none'; frame-ancestors 'none'";

    /** On every answer of the application port: the API and the console. */
    public static void install(Environment environment) {
        environment.servlets().addFilter("security-headers", new SecurityHeaders())
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletResponse http = (HttpServletResponse) response;
        http.setHeader("X-Content-Type-Options", "nosniff");
        http.setHeader("X-Frame-Options", "DENY");
        http.setHeader("Referrer-Policy", "no-referrer");
        if (((HttpServletRequest) request).getRequestURI().startsWith(EncodedIds.API_PREFIX)) {
            http.setHeader("Content-Security-Policy", API_POLICY);
            http.setHeader("Cache-Control", "no-store");
        } else {
            http.setHeader("Content-Security-Policy", CONSOLE_POLICY);
        }
        chain.doFilter(request, response);
    }
}
