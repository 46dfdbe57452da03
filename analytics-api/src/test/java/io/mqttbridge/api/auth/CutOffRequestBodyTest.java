package io.mqttbridge.api.auth;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.password4j.Password;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request body that stops coming is the client's fault, not the server's: the answer says so
 * (408 or 400, problem+json) and the log holds no error and no stack trace, through a real Jetty
 * and a raw socket that sends less than its {@code Content-Length}.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class CutOffRequestBodyTest {

    static final DropwizardAppExtension<BridgeConfiguration> APP = new DropwizardAppExtension<>(
            ApiConventionsTest.ProbeApplication.class, ApiConventionsTestSupport.writeConfig(
                    TokenAuthenticator.sha256Hex("reader-token"),
                    Password.hash(ApiConventionsTest.ADMIN_PASSWORD).withBcrypt().getResult()),
            // Jetty's default is 30 s; the stalled body must time out within the test.
            ConfigOverride.config("server.applicationConnectors[0].idleTimeout", "1s"));

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void captureTheLog() {
        log.start();
        root().addAppender(log);
    }

    @AfterEach
    void stopCapturing() {
        root().detachAppender(log);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @Test
    void aBodyThatStopsComingGets408AndNoErrorInTheLog() throws Exception {
        try (Socket socket = postWithDeclaredLength(100, "{")) {
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(answer).startsWith("HTTP/1.1 408");
            assertThat(answer).contains("application/problem+json").contains("\"status\":408");
        }
        assertNoErrorLogged();
    }

    @Test
    void aBodyCutOffBeforeItsLengthGets400AndNoErrorInTheLog() throws Exception {
        try (Socket socket = postWithDeclaredLength(100, "{\"na")) {
            socket.shutdownOutput();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(answer).startsWith("HTTP/1.1 400");
            assertThat(answer).contains("application/problem+json").contains("\"status\":400");
        }
        assertNoErrorLogged();
    }

    private static Socket postWithDeclaredLength(int contentLength, String body) throws IOException {
        Socket socket = new Socket("127.0.0.1", APP.getLocalPort());
        socket.setSoTimeout(20_000);
        String basic = Base64.getEncoder().encodeToString(
                ("admin:" + ApiConventionsTest.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().write(("POST /api/v1/probe HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Basic " + basic + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return socket;
    }

    /** Jetty logs after the response is written: give it a moment before looking. */
    private void assertNoErrorLogged() throws InterruptedException {
        Thread.sleep(500);
        assertThat(log.list).filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.ERROR)
                        || event.getThrowableProxy() != null)
                .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }
}
