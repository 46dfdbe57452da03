package io.mqttbridge.api.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.password4j.Password;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.console.ConsoleAssets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any id (an MQTT client id, a device id) reaches a resource as one percent-encoded path segment,
 * through a real Jetty and a raw socket that sends the path as written, while the console's files,
 * served by path, still get nothing but 400 for those encodings.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class EncodedIdsTest {

    static final String READER_TOKEN = "reader-token-for-ids";

    /** The probe API with the console's files beside it, as the application serves them. */
    public static class ProbeWithConsole extends ApiConventionsTest.ProbeApplication {
        @Override
        public void run(BridgeConfiguration config, Environment environment) {
            super.run(config, environment);
            ConsoleAssets.register(environment);
        }
    }

    static final DropwizardAppExtension<BridgeConfiguration> APP = new DropwizardAppExtension<>(
            ProbeWithConsole.class, ApiConventionsTestSupport.writeConfig(TokenAuthenticator.sha256Hex(READER_TOKEN),
                    Password.hash("unused").withBcrypt().getResult()));

    /** Ids MQTT takes and Jetty's default refused encoded, and some it took, which must stay so. */
    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "dev%x", "50%", "%2F", "%25252F", "dev\\x", "\\..\\", "x\u0007y", "\u007f",
            "../../..", "a/../b", "/", "a;b", "?#", " sp ", "pl/x", "..x", "h\u00e9-\uD83D\uDCA7"})
    void anyIdPercentEncodedAsOneSegmentReachesTheResource(String id) throws IOException {
        String answer = get("/api/v1/probe/items/" + segment(id));

        assertThat(answer).startsWith("HTTP/1.1 200");
        assertThat(new ObjectMapper().readValue(body(answer), Map.class)).containsEntry("id", id);
    }

    @Test
    void theConsolesFilesAreServedAsBefore() throws IOException {
        assertThat(get("/index.html")).startsWith("HTTP/1.1 200").contains("<html");
        assertThat(get("/assets/app.js")).startsWith("HTTP/1.1 200");
    }

    /** The encodings ids may hold lead nowhere outside /api/: not to a console file, not out of its folder. */
    @ParameterizedTest
    @ValueSource(strings = {"/api/%2E%2E/index.html", "/api/v1/%2E%2E/%2E%2E/assets/app.js", "/assets/%2E%2E/index.html",
            "/assets/%2E/app.js", "/assets/%2E%2E%2F%2E%2E%2Fio/mqttbridge/api/BridgeApplication.class",
            "/assets/..%5C..%5Cio%5Cmqttbridge%5Capi%5CBridgeApplication.class", "/assets/app%25.js",
            "/assets/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "/%2E%2E/index.html", "/index.html%2F", "/assets/%07app.js"})
    void anIdEncodingOutsideTheApiGets400AndNoFile(String path) throws IOException {
        String answer = get(path);

        assertThat(answer).startsWith("HTTP/1.1 400").contains("application/problem+json")
                .doesNotContain("<html").doesNotContain("function");
    }

    /** Every byte but letters, digits, - _ ~ percent-encoded: a dot too, so that . and .. stay ids. */
    private static String segment(String id) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (Character.isLetterOrDigit(c) && c < 0x80 || c == '-' || c == '_' || c == '~') {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }

    /** A GET with the path sent exactly as given (an HTTP client library could normalise it). */
    private static String get(String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", APP.getLocalPort())) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + READER_TOKEN + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String body(String answer) {
        return answer.substring(answer.indexOf("\r\n\r\n") + 4);
    }
}
