package io.mqttbridge.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.core.util.StatusPrinter;
import io.dropwizard.request.logging.LogbackAccessRequestLogFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dropwizard's request log on a real Jetty server, with and without the listener. */
class QuietRequestLogTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @BeforeEach
    void catchWhatLogbackPrints() {
        StatusPrinter.setPrintStream(new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void printToStandardOutputAgain() {
        StatusPrinter.setPrintStream(System.out);
    }

    @Test
    void withoutTheListenerTheRequestLogPrintsItsStatusWhenItStarts() throws Exception {
        startAndStop(serverWithRequestLog());

        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("in LogbackAccessRequestLog");
    }

    @Test
    void withTheListenerItPrintsNothing() throws Exception {
        Server server = serverWithRequestLog();
        server.addEventListener(new QuietRequestLog());

        startAndStop(server);

        assertThat(printed.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    private static Server serverWithRequestLog() {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setRequestLog(new LogbackAccessRequestLogFactory().build("test"));
        return server;
    }

    private static void startAndStop(Server server) throws Exception {
        server.start();
        server.stop();
    }
}
