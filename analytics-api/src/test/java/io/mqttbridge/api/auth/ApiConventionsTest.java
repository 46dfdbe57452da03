package io.mqttbridge.api.auth;

import com.password4j.Password;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mqttbridge.api.BridgeApplication;
import io.mqttbridge.api.BridgeConfiguration;
import io.mqttbridge.api.errors.ApiException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API's conventions, through a real Jetty: authentication (bearer token, basic, none), roles,
 * and problem+json for every kind of error. Uses a tiny application with one probe resource so it
 * does not need Kafka or PostgreSQL.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ApiConventionsTest {

    static final String READER_TOKEN = "reader-token-123";
    static final String ADMIN_PASSWORD = "s3cret-admin";

    @TempDir
    static java.nio.file.Path dataDir;

    public static class ProbeApplication extends Application<BridgeConfiguration> {
        @Override
        public void run(BridgeConfiguration config, Environment environment) {
            BridgeApplication.installApiConventions(config, environment);
            environment.jersey().register(new ProbeResource());
        }
    }

    public record Thing(@NotEmpty String name) {
    }

    @Path("/api/v1/probe")
    @Produces(MediaType.APPLICATION_JSON)
    public static class ProbeResource {
        @GET
        @RolesAllowed(ApiRole.READ)
        public Map<String, String> read() {
            return Map.of("ok", "read");
        }

        @GET
        @Path("/items/{id}")
        @RolesAllowed(ApiRole.READ)
        public Map<String, Object> item(@jakarta.ws.rs.PathParam("id") String id,
                                        @jakarta.ws.rs.QueryParam("format") String format,
                                        @jakarta.ws.rs.QueryParam("tag") List<String> tags) {
            return Map.of("id", id, "tags", tags);
        }

        @POST
        @Consumes(MediaType.APPLICATION_JSON)
        @RolesAllowed(ApiRole.WRITE)
        public Thing write(@Valid Thing thing) {
            if (thing.name().equals("taken")) {
                throw ApiException.conflict("a thing named 'taken' already exists");
            }
            if (thing.name().equals("boom")) {
                throw new IllegalStateException("internal detail that must not leak");
            }
            return thing;
        }
    }

    static final DropwizardAppExtension<BridgeConfiguration> APP = new DropwizardAppExtension<>(
            ProbeApplication.class, ApiConventionsTestSupport.writeConfig(
                    TokenAuthenticator.sha256Hex(READER_TOKEN),
                    Password.hash(ADMIN_PASSWORD).withBcrypt().getResult()),
            ConfigOverride.config("server.applicationConnectors[0].port", "0"),
            ConfigOverride.config("server.adminConnectors[0].port", "0"));

    private Invocation.Builder probe(String authorization) {
        var request = APP.client().target("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/probe").request();
        return authorization == null ? request : request.header(HttpHeaders.AUTHORIZATION, authorization);
    }

    /** Reads the status and releases the pooled connection (an unread body would hold it forever). */
    private static int statusOf(Response response) {
        try (response) {
            return response.getStatus();
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void requestWithoutCredentialsGets401ProblemWithChallenge() {
        Response response = probe(null).get();
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getMediaType().toString()).startsWith("application/problem+json");
        assertThat(response.getHeaderString("WWW-Authenticate")).isNotBlank();
        assertThat(response.readEntity(Map.class)).containsEntry("status", 401);
    }

    @Test
    void wrongTokenGets401() {
        assertThat(statusOf(probe("Bearer not-the-token").get())).isEqualTo(401);
    }

    @Test
    void readerTokenMayRead() {
        Response response = probe("Bearer " + READER_TOKEN).get();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.readEntity(Map.class)).containsEntry("ok", "read");
    }

    @Test
    void readerTokenWritingGets403Problem() {
        Response response = probe("Bearer " + READER_TOKEN).post(Entity.json(Map.of("name", "x")));
        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(response.getMediaType().toString()).startsWith("application/problem+json");
        assertThat(response.readEntity(Map.class)).containsEntry("status", 403);
    }

    @Test
    void adminWithBasicAuthMayWriteAndRead() {
        assertThat(statusOf(probe(basic("admin", ADMIN_PASSWORD)).post(Entity.json(Map.of("name", "x")))))
                .isEqualTo(200);
        assertThat(statusOf(probe(basic("admin", ADMIN_PASSWORD)).get())).isEqualTo(200);
    }

    @Test
    void wrongBasicPasswordGets401() {
        assertThat(statusOf(probe(basic("admin", "nope")).get())).isEqualTo(401);
    }

    @Test
    void invalidBodyGets400ProblemNamingTheField() {
        Response response = probe(basic("admin", ADMIN_PASSWORD)).post(Entity.json(Map.of("name", "")));
        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.getMediaType().toString()).startsWith("application/problem+json");
        assertThat(response.readEntity(String.class)).contains("name");
    }

    @Test
    void malformedJsonGets400Problem() {
        Response response = probe(basic("admin", ADMIN_PASSWORD))
                .post(Entity.entity("{\"name\": ", MediaType.APPLICATION_JSON));
        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.readEntity(Map.class)).containsEntry("title", "Malformed JSON");
    }

    @Test
    void conflictGets409Problem() {
        Response response = probe(basic("admin", ADMIN_PASSWORD)).post(Entity.json(Map.of("name", "taken")));
        assertThat(response.getStatus()).isEqualTo(409);
        assertThat(response.readEntity(Map.class)).containsEntry("detail", "a thing named 'taken' already exists");
    }

    @Test
    void unexpectedErrorGets500WithoutInternals() {
        Response response = probe(basic("admin", ADMIN_PASSWORD)).post(Entity.json(Map.of("name", "boom")));
        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(response.readEntity(String.class)).doesNotContain("internal detail").contains("error id");
    }

    @Test
    void unknownPathGets404Problem() {
        Response response = APP.client().target("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/nothing-here")
                .request().get();
        assertThat(response.getStatus()).isEqualTo(404);
        assertThat(response.getMediaType().toString()).startsWith("application/problem+json");
        assertThat(response.readEntity(Map.class)).containsEntry("status", 404)
                .containsEntry("detail", "nothing at /api/v1/nothing-here; the API's operations are listed in"
                        + " /api/v1/openapi.json");
    }

    @Test
    void jerseysOwnRefusalsSayWhatTheRequestDidAndWhatTheApiTakes() {
        try (Response wrongMethod = probe("Bearer " + READER_TOKEN).delete()) {
            assertThat(wrongMethod.getStatus()).isEqualTo(405);
            assertThat(wrongMethod.readEntity(Map.class).get("detail"))
                    .isEqualTo("DELETE is not allowed at /api/v1/probe; allowed: GET, OPTIONS, POST");
        }
        try (Response wrongType = probe(basic("admin", ADMIN_PASSWORD)).post(Entity.text("name=x"))) {
            assertThat(wrongType.getStatus()).isEqualTo(415);
            assertThat(wrongType.readEntity(Map.class).get("detail")).isEqualTo(
                    "this operation takes a body of Content-Type application/json; it was 'text/plain'");
        }
        try (Response wrongAccept = probe("Bearer " + READER_TOKEN).accept("text/csv").get()) {
            assertThat(wrongAccept.getStatus()).isEqualTo(406);
            assertThat((String) wrongAccept.readEntity(Map.class).get("detail")).contains("Accept was 'text/csv'");
        }
    }

    /** Jetty refuses these before any resource sees them; its own page was HTML, whatever was accepted. */
    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/probe/%00", "/assets/%2E%2E/x", "/api/v1/probe/%C3%28",
            "/assets/a%2F..%2F..%2Fetc", "/index.html%2Fx"})
    void aUriJettyRefusesGets400ProblemNotAnHtmlPage(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + APP.getLocalPort() + path)).header("Accept", "text/html").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"status\":400").doesNotContain("<html");
    }

    /** Jetty wrote its page for GET, POST and HEAD only: a DELETE or PATCH got an empty 400. */
    @ParameterizedTest
    @ValueSource(strings = {"DELETE", "PATCH", "PUT", "OPTIONS"})
    void aUriJettyRefusesGetsTheProblemWhateverTheMethod(String method) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/probe/%C3%28"))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"status\":400").contains("\"title\":\"Bad Request\"");
    }

    /** RFC 9110, 9.3.2: no content in a response to HEAD; Jetty's error page had one. */
    @Test
    void aUriJettyRefusesGetsNoContentForHead() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", APP.getLocalPort())) {
            socket.getOutputStream().write(("HEAD /api/v1/probe/%C3%28 HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 400");
            assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).isEmpty();
        }
    }

    /** Client and device ids may hold a slash: encoded, it stays inside the one path segment of the id. */
    @Test
    void anIdWithAnEncodedSlashReachesTheResourceDecoded() {
        Response response = APP.client().target("http://127.0.0.1:" + APP.getLocalPort()
                        + "/api/v1/probe/items/plant-3%2Fsensor-7").request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + READER_TOKEN).get();
        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.readEntity(Map.class)).containsEntry("id", "plant-3/sensor-7");
    }

    @Test
    void wrongTokenGets401SayingTheCredentialsAreNotKnown() {
        Response response = probe("Bearer not-the-token").get();
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getHeaderString("WWW-Authenticate")).isEqualTo("Bearer realm=\"mqtt-kafka-bridge\"");
        assertThat((String) response.readEntity(Map.class).get("detail")).contains("not known");
    }

    @Test
    void withoutConfiguredOriginsNoCrossOriginPageMayReadTheApi() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/probe"))
                        .header("Origin", "https://dash.example.com").header(HttpHeaders.AUTHORIZATION, "Bearer " + READER_TOKEN)
                        .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void aBodyDeclaredLargerThanTheLimitGets413Problem() throws Exception {
        HttpResponse<String> response = postRaw(HttpRequest.BodyPublishers.ofString(thing(1024 * 1024)));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.body()).contains("body-too-large").contains("1048576 bytes");
    }

    /** A chunked body declares no length: it is refused once the reading passes the limit. */
    @Test
    void aChunkedBodyPastTheLimitGets413Problem() throws Exception {
        byte[] body = thing(3 * 1024 * 1024).getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = postRaw(HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(body)));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.body()).contains("body-too-large");
    }

    @Test
    void aBodyWithinTheLimitIsRead() throws Exception {
        byte[] body = thing(1000 * 1000).getBytes(StandardCharsets.UTF_8);
        assertThat(postRaw(HttpRequest.BodyPublishers.ofByteArray(body)).statusCode()).isEqualTo(200);
        assertThat(postRaw(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                .statusCode()).isEqualTo(200);
    }

    private static String thing(int nameLength) {
        return "{\"name\": \"" + "a".repeat(nameLength) + "\"}";
    }

    private static HttpResponse<String> postRaw(HttpRequest.BodyPublisher body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/probe"))
                .header("Content-Type", "application/json")
                .header(HttpHeaders.AUTHORIZATION, basic("admin", ADMIN_PASSWORD))
                .POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSingleValuedQueryParameterGivenTwiceGets400ProblemNamingItAndARepeatableOneIsTakenWhole() {
        String item = "http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/probe/items/x";
        Response twice = APP.client().target(item).queryParam("format", "a", "b").request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + READER_TOKEN).get();
        assertThat(twice.getStatus()).isEqualTo(400);
        assertThat(twice.readEntity(Map.class)).containsEntry("title", "Repeated query parameter")
                .containsEntry("detail", "query parameter 'format' is given 2 times; it takes one value");

        Response repeatable = APP.client().target(item).queryParam("tag", "a", "b").queryParam("format", "c").request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + READER_TOKEN).get();
        assertThat(repeatable.getStatus()).isEqualTo(200);
        assertThat(repeatable.readEntity(Map.class)).containsEntry("tags", List.of("a", "b"));
    }

    @Test
    void aQueryParameterTheResourceDoesNotDeclareGets400Problem() {
        Response response = APP.client().target("http://127.0.0.1:" + APP.getLocalPort() + "/api/v1/probe")
                .queryParam("verbose", "true").request()
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + READER_TOKEN).get();
        assertThat(response.getStatus()).isEqualTo(400);
        assertThat(response.readEntity(Map.class))
                .containsEntry("detail", "unknown query parameter 'verbose'; known here: none");
    }

    @Test
    void withoutConfiguredClientsAnAdminTokenIsGeneratedIntoTheDataDirectory(@TempDir java.nio.file.Path dir)
            throws Exception {
        ApiAuthConfig none = new ApiAuthConfig();
        var environment = new Environment("probe");
        ApiSecurity.install(none, dir, environment);
        java.nio.file.Path tokenFile = dir.resolve(ApiAuthConfig.DEFAULT_GENERATED_TOKEN_FILE);
        assertThat(tokenFile).exists();
        String token = Files.readString(tokenFile).trim();
        assertThat(token).hasSizeGreaterThanOrEqualTo(40);
        // A second start reuses the same token.
        ApiSecurity.install(none, dir, new Environment("probe"));
        assertThat(Files.readString(tokenFile).trim()).isEqualTo(token);
    }
}
