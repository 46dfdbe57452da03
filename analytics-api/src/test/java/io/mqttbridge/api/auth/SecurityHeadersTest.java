package io.mqttbridge.api.auth;

import com.password4j.Password;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** The application port's answers carry the headers that keep a browser from turning them against the operator. */
@ExtendWith(DropwizardExtensionsSupport.class)
class SecurityHeadersTest {

    static final String READER_TOKEN = "reader-token-for-headers";

    static final DropwizardAppExtension<BridgeConfiguration> APP = new DropwizardAppExtension<>(
            EncodedIdsTest.ProbeWithConsole.class, ApiConventionsTestSupport.writeConfig(
                    TokenAuthenticator.sha256Hex(READER_TOKEN), Password.hash("unused").withBcrypt().getResult()));

    private Response get(String path, String authorization) {
        var request = APP.client().target("http://127.0.0.1:" + APP.getLocalPort() + path).request();
        return authorization == null ? request.get() : request.header(HttpHeaders.AUTHORIZATION, authorization).get();
    }

    @Test
    void theConsolesPageMayNotBeFramedAndRunsOnlyItsOwnFiles() {
        try (Response page = get("/", null)) {
            assertThat(page.getStatus()).isEqualTo(200);
            assertThat(page.getHeaderString("Content-Security-Policy")).contains("frame-ancestors 'none'")
                    .contains("script-src 'self';").contains("connect-src 'self' wss:").contains("object-src 'none'");
            assertThat(page.getHeaderString("X-Frame-Options")).isEqualTo("DENY");
            assertThat(page.getHeaderString("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(page.getHeaderString("Referrer-Policy")).isEqualTo("no-referrer");
        }
    }

    @Test
    void apiAnswersAreNotCachedNorFramedNorSniffedRefusalsIncluded() {
        for (String authorization : new String[] {"Bearer " + READER_TOKEN, null}) {
            try (Response answer = get("/api/v1/probe", authorization)) {
                assertThat(answer.getStatus()).isEqualTo(authorization == null ? 401 : 200);
                assertThat(answer.getHeaderString("Cache-Control")).isEqualTo("no-store");
                assertThat(answer.getHeaderString("Content-Security-Policy"))
                        .isEqualTo("default-src 'none'; frame-ancestors 'none'");
                assertThat(answer.getHeaderString("X-Content-Type-Options")).isEqualTo("nosniff");
                assertThat(answer.getHeaderString("X-Frame-Options")).isEqualTo("DENY");
            }
        }
    }
}
