package io.mqttbridge.api.auth;

import com.password4j.Password;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cross-origin calls through a real Jetty, as a browser makes them for a dashboard page on another
 * origin: the preflight (no credentials), then the call with its bearer token.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ApiCorsTest {

    static final String DASHBOARD = "https://dash.example.com";
    static final String READER_TOKEN = "reader-token-for-cors";

    static final DropwizardAppExtension<BridgeConfiguration> APP = new DropwizardAppExtension<>(
            ApiConventionsTest.ProbeApplication.class, ApiConventionsTestSupport.writeConfig(
                    TokenAuthenticator.sha256Hex(READER_TOKEN), Password.hash("unused-admin").withBcrypt().getResult(),
                    "apiCors:\n  allowedOrigins: ['" + DASHBOARD + "']\n"));

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpRequest.Builder probe() {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/probe"));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder preflight(String origin) {
        return probe().method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization");
    }

    @Test
    void aPreflightFromAListedOriginIsAnsweredBeforeAuthentication() throws Exception {
        HttpResponse<String> response = send(preflight(DASHBOARD));

        assertThat(response.statusCode()).isBetween(200, 204);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(DASHBOARD);
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods").orElseThrow()).contains("GET", "PATCH");
        assertThat(response.headers().firstValue("Access-Control-Allow-Headers").orElseThrow().toLowerCase())
                .contains("authorization");
        assertThat(response.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
        assertThat(response.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
    }

    @Test
    void aCallFromAListedOriginMayBeReadByThePageAndSoMayItsErrors() throws Exception {
        HttpResponse<String> ok = send(probe().header("Origin", DASHBOARD).header("Authorization", "Bearer " + READER_TOKEN));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).hasValue(DASHBOARD);
        assertThat(ok.headers().allValues("Vary").toString()).contains("Origin");

        // The page learns that its token was refused, instead of an opaque network error.
        HttpResponse<String> refused = send(probe().header("Origin", DASHBOARD));
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).hasValue(DASHBOARD);
        assertThat(refused.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
    }

    @Test
    void anotherOriginGetsNoCorsHeadersSoItsPagesCannotReadTheAnswers() throws Exception {
        HttpResponse<String> preflight = send(preflight("https://evil.example.com"));
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        HttpResponse<String> call = send(probe().header("Origin", "https://dash.example.com.evil.example")
                .header("Authorization", "Bearer " + READER_TOKEN));
        assertThat(call.statusCode()).isEqualTo(200);
        assertThat(call.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
}
