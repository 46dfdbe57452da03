package io.mqttbridge.api.config;

import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.ServerFactory;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;

import java.util.List;

/**
 * The admin port serves tasks (including ones that change state), thread dumps and metrics without
 * authentication: unless the configuration names a {@code bindHost}, it listens on the loopback
 * address only ({@value #DEFAULT_ADMIN_BIND_HOST}), never on every interface as Dropwizard would.
 */
public final class AdminConnectors {

    public static final String DEFAULT_ADMIN_BIND_HOST = "127.0.0.1";

    private AdminConnectors() {
    }

    /** Gives every admin connector without a {@code bindHost} the loopback address; call before the server is built. */
    public static void bindToLoopbackUnlessConfigured(ServerFactory serverFactory) {
        if (serverFactory instanceof DefaultServerFactory factory) {
            bindUnset(factory.getAdminConnectors());
        } else if (serverFactory instanceof SimpleServerFactory) {
            // One connector serves the application and the admin context: its bind host is the operator's choice.
            return;
        }
    }

    private static void bindUnset(List<ConnectorFactory> connectors) {
        for (ConnectorFactory connector : connectors) {
            if (connector instanceof HttpConnectorFactory http && (http.getBindHost() == null || http.getBindHost().isEmpty())) {
                http.setBindHost(DEFAULT_ADMIN_BIND_HOST);
            }
        }
    }
}
