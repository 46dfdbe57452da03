package io.mqttbridge.api.config;

import ch.qos.logback.access.jetty.RequestLogImpl;
import io.dropwizard.core.setup.Environment;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Keeps Dropwizard's request log (logback-access) from printing its start-up status to standard output.
 *
 * <p>Unless it is quiet, logback-access prints every status it collected when it starts, and in the
 * bridge's single jar its version check always leaves two warnings there: it reads the bridge's own
 * version as that of logback-access-jetty12 (the merged jar has one manifest) and finds no expected
 * logback-core version. Every start then showed "Versions of logback-access-common and
 * logback-access-jetty12 are different!", which reads like a broken installation. What the request
 * log writes, and where, is unchanged.
 */
public final class QuietRequestLog implements LifeCycle.Listener {

    /** Makes the request log of the server {@code environment} builds quiet; call before the server is built. */
    public static void install(Environment environment) {
        environment.lifecycle().addEventListener(new QuietRequestLog());
    }

    /* The server is starting: its request log, one of its beans, starts after this. */
    @Override
    public void lifeCycleStarting(LifeCycle event) {
        if (event instanceof Server server && server.getRequestLog() instanceof RequestLogImpl requestLog) {
            requestLog.setQuiet(true);
        }
    }
}
