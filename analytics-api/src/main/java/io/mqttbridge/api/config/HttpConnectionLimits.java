package io.mqttbridge.api.config;

import io.dropwizard.core.setup.Environment;
import io.mqttbridge.broker.limits.FileDescriptorBudget;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * At most {@code apiMaxConnections} open connections on each HTTP connector (the REST API's and the
 * admin port's), and none that would take the process's last {@code limits.fileDescriptorReserve} file
 * descriptors. Every connection is a file descriptor of the process that also runs the embedded
 * Kafka: without a bound, anyone able to reach the API port could open connections until the process
 * ran out of descriptors, and the embedded Kafka then halts it. At the bound Jetty stops accepting
 * until a connection closes (new ones wait in the kernel's backlog); connections already open go on.
 * Each connector has its own bound, so a flood on the API port leaves the admin port's health checks
 * and metrics reachable. The per-connector bound alone does not protect Kafka when MQTT connections
 * hold the descriptors up to the reserve: a connection accepted then is closed at once
 * ({@link HttpFileDescriptorReserve}), on both connectors.
 */
public final class HttpConnectionLimits {

    /** Meter: HTTP connections closed at once because of {@code limits.fileDescriptorReserve}. */
    public static final String FILE_DESCRIPTORS_REFUSED = "http.limits.file-descriptors.refused";

    private HttpConnectionLimits() {
    }

    /**
     * Installs the bounds when the server starts; {@code maxConnections} 0 installs no per-connector
     * bound, {@code fileDescriptorReserve} 0 no reserve.
     */
    public static void install(int maxConnections, int fileDescriptorReserve, Environment environment) {
        FileDescriptorBudget budget = FileDescriptorBudget.of(fileDescriptorReserve, "HTTP",
                environment.metrics().meter(FILE_DESCRIPTORS_REFUSED)::mark);
        if (maxConnections <= 0 && budget == null) {
            return;
        }
        environment.lifecycle().addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(LifeCycle event) {
                if (event instanceof Server server) {
                    install(maxConnections, budget, server);
                }
            }

            @Override
            public void lifeCycleStopped(LifeCycle event) {
                if (event instanceof Server && budget != null) {
                    budget.stop();
                }
            }
        });
    }

    private static void install(int maxConnections, FileDescriptorBudget budget, Server server) {
        if (budget != null) {
            budget.start();
        }
        for (Connector connector : server.getConnectors()) {
            if (maxConnections > 0) {
                server.addBean(new NetworkConnectionLimit(maxConnections, connector));
            }
            if (budget != null) {
                // A bean of the connector before it starts: ServerConnector hands it to its SelectorManager then.
                connector.addBean(new HttpFileDescriptorReserve(budget));
            }
        }
    }
}
