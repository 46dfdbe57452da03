package io.mqttbridge.api.config;

import io.dropwizard.core.setup.Environment;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * At most {@code apiMaxConnections} open connections on each HTTP connector (the REST API's and the
 * admin port's). Every connection is a file descriptor of the process that also runs the embedded
 * Kafka: without a bound, anyone able to reach the API port could open connections until the process
 * ran out of descriptors, and the embedded Kafka then halts it. At the bound Jetty stops accepting
 * until a connection closes (new ones wait in the kernel's backlog); connections already open go on.
 * Each connector has its own bound, so a flood on the API port leaves the admin port's health checks
 * and metrics reachable.
 */
public final class HttpConnectionLimits {

    private HttpConnectionLimits() {
    }

    /** Installs the bounds when the server starts; {@code maxConnections} 0 installs none. */
    public static void install(int maxConnections, Environment environment) {
        if (maxConnections <= 0) {
            return;
        }
        environment.lifecycle().addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(LifeCycle event) {
                if (event instanceof Server server) {
                    for (Connector connector : server.getConnectors()) {
                        server.addBean(new NetworkConnectionLimit(maxConnections, connector));
                    }
                }
            }
        });
    }
}
