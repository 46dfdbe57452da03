package io.mqttbridge.api.console;

import io.dropwizard.core.setup.Environment;
import io.dropwizard.servlets.assets.AssetServlet;

import java.nio.charset.StandardCharsets;

/**
 * Serves the console's static files (built by the {@code console} module into its jar under
 * {@code /console}) on the application port: {@code /} is the page, {@code /assets/*} its scripts
 * and styles. Jersey keeps {@code /*} for the REST API under {@code /api/v1}: the servlet
 * container prefers the exact and longer mappings registered here.
 */
public final class ConsoleAssets {

    static final String RESOURCE_PATH = "/console";

    private ConsoleAssets() {
    }

    public static void register(Environment environment) {
        // The empty pattern is the servlet spec's exact match for the context root.
        environment.servlets().addServlet("console", new AssetServlet(RESOURCE_PATH, "/", "index.html", StandardCharsets.UTF_8))
                .addMapping("", "/index.html", "/assets/*");
    }
}
