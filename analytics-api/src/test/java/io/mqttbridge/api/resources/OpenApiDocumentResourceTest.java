package io.mqttbridge.api.resources;

import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import io.mqttbridge.api.errors.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.mqttbridge.api.resources.OpenApiTestDocument.map;
import static io.mqttbridge.api.resources.OpenApiTestDocument.schema;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document is public and says what the endpoints do: their bodies, the schemas of their
 * answers, the types of their parameters and every error status they give, as problem+json.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class OpenApiDocumentResourceTest {

    /** The operations anyone may call: no 401. */
    static final Set<String> PUBLIC = Set.of("GET /api/v1/health");
    /** The operations a READ_ONLY client may call besides every GET. */
    static final Set<String> FOR_READERS = Set.of("POST /api/v1/console/live-token");

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(OpenApiDocumentResource.describing(ApiResources.DOCUMENTED))
            .build();

    private final OpenApiTestDocument document = OpenApiTestDocument.served(resources);

    @Test
    @SuppressWarnings("unchecked")
    void documentIsServedWithoutCredentialsAndDescribesParametersAndErrors() {
        assertThat((String) document.root().get("openapi")).startsWith("3.");
        Map<String, Object> paths = map(document.root().get("paths"));
        assertThat(paths).doesNotContainKey("/api/v1/openapi.json");
        Map<String, Object> messages = document.operation("GET /api/v1/messages");
        assertThat(messages.get("parameters").toString()).contains("topic", "cursor", "payloadEncoding", "order");
        assertThat(messages.get("tags")).isEqualTo(List.of("messages"));
        Map<String, Object> create = document.operation("POST /api/v1/devices");
        assertThat((Map<String, Object>) create.get("responses")).containsKeys("201", "400", "409");
        assertThat(create.get("security").toString()).contains("bearer", "basic");
    }

    @Test
    void theAuthenticatedClientIsNoRequestBody() {
        document.operations().forEach((name, operation) ->
                assertThat(String.valueOf(operation.get("requestBody"))).as(name).doesNotContain("ApiPrincipal"));
        assertThat(map(map(document.root().get("components")).get("schemas"))).doesNotContainKey("ApiPrincipal");
        assertThat(document.operation("GET /api/v1/console/me")).doesNotContainKey("requestBody");
        Map<String, Object> liveToken = map(document.operation("POST /api/v1/console/live-token").get("requestBody"));
        assertThat(schema(liveToken, "application/json"))
                .containsEntry("$ref", "#/components/schemas/LiveTokenRequest");
    }

    @Test
    void everyOperationButThePublicOnesAnswers401AndOnlyChangesAnswer403() {
        assertThat(document.operations()).containsKeys(PUBLIC.toArray(String[]::new));
        document.operations().forEach((name, operation) -> {
            Map<String, Map<String, Object>> responses = document.responses(name);
            assertThat(responses.containsKey("401")).as(name + " 401").isEqualTo(!PUBLIC.contains(name));
            boolean forReaders = name.startsWith("GET ") || FOR_READERS.contains(name);
            assertThat(responses.containsKey("403")).as(name + " 403").isEqualTo(!forReaders);
            assertThat(operation.containsKey("security")).as(name + " security").isEqualTo(!PUBLIC.contains(name));
        });
    }

    @Test
    void everyOperationDocumentsItsCommonErrorsAsProblems() {
        document.operations().forEach((name, operation) -> {
            Map<String, Map<String, Object>> responses = document.responses(name);
            assertThat(responses).as(name).containsKeys("400", "406", "500");
            boolean body = operation.containsKey("requestBody");
            assertThat(responses.containsKey("408")).as(name + " 408").isEqualTo(body);
            assertThat(responses.containsKey("413")).as(name + " 413").isEqualTo(body);
            assertThat(responses.containsKey("415")).as(name + " 415").isEqualTo(body);
            responses.forEach((code, response) -> {
                boolean healthReport = name.equals("GET /api/v1/health") && code.equals("503");
                if ((code.startsWith("4") || code.startsWith("5")) && !healthReport) {
                    assertThat(schema(response, Problem.MEDIA_TYPE)).as(name + " " + code)
                            .containsEntry("$ref", "#/components/schemas/Problem");
                }
            });
        });
        Map<String, Object> problem = map(map(map(document.root().get("components")).get("schemas")).get("Problem"));
        assertThat(map(problem.get("properties"))).containsOnlyKeys("type", "title", "status", "detail", "errors");
    }

    @Test
    void operationsDocumentTheirOwnStatuses() {
        assertThat(document.responses("POST /api/v1/devices")).containsKeys("201", "409", "503");
        assertThat(document.responses("DELETE /api/v1/devices/{id}")).containsKeys("204", "404")
                .doesNotContainKeys("200", "413", "415");
        assertThat(document.responses("DELETE /api/v1/retained")).containsKeys("204", "400", "404", "503")
                .doesNotContainKey("200");
        assertThat(document.responses("GET /api/v1/sessions/{connectionId}")).containsKeys("200", "400", "404");
        assertThat(document.responses("POST /api/v1/publish")).containsKeys("200", "413", "503");
        assertThat(document.responses("GET /api/v1/live/clients")).containsKey("503");
        assertThat(document.responses("GET /api/v1/stats")).doesNotContainKeys("404", "503");
        for (String database : List.of("GET /api/v1/devices", "GET /api/v1/sessions", "GET /api/v1/messages",
                "GET /api/v1/topics", "GET /api/v1/retained")) {
            Map<String, Object> busy = document.responses(database).get("503");
            assertThat(busy).as(database).containsKey("headers");
            assertThat(map(busy.get("headers"))).containsKey("Retry-After");
        }
    }

    @Test
    void successResponsesHaveTheSchemasOfWhatTheMethodsReturn() {
        Map<String, String> schemas = Map.ofEntries(
                Map.entry("POST /api/v1/devices 201", "CreatedDevice"),
                Map.entry("GET /api/v1/devices/{id} 200", "DeviceDetails"),
                Map.entry("PATCH /api/v1/devices/{id} 200", "DeviceDetails"),
                Map.entry("POST /api/v1/devices/{id}/credentials/rotate 200", "RotatedCredentials"),
                Map.entry("GET /api/v1/live/clients/{clientId} 200", "LiveClient"),
                Map.entry("GET /api/v1/live/clients/{clientId}/node 200", "ClientNode"),
                Map.entry("GET /api/v1/sessions/{connectionId} 200", "SessionRecord"),
                Map.entry("POST /api/v1/publish 200", "Published"),
                Map.entry("GET /api/v1/health 200", "HealthReport"),
                Map.entry("GET /api/v1/health 503", "HealthReport"));
        schemas.forEach((response, schema) -> {
            int space = response.lastIndexOf(' ');
            Map<String, Object> documented = document.responses(response.substring(0, space))
                    .get(response.substring(space + 1));
            assertThat(documented).as(response).isNotNull();
            assertThat(schema(documented, "application/json")).as(response)
                    .containsEntry("$ref", "#/components/schemas/" + schema);
        });
        Map<String, Object> subscriptions = schema(document.responses(
                "GET /api/v1/live/clients/{clientId}/subscriptions").get("200"), "application/json");
        assertThat(subscriptions).containsEntry("type", "array");
        assertThat(map(subscriptions.get("items"))).containsEntry("$ref", "#/components/schemas/SubscriptionInfo");
    }

    @Test
    void queryParametersHaveTheTypesTheEndpointsParse() {
        document.operations().forEach((name, operation) -> OpenApiTestDocument.list(operation.get("parameters"))
                .stream().map(OpenApiTestDocument::map).filter(p -> p.get("name").equals("limit"))
                .forEach(limit -> assertThat(map(limit.get("schema"))).as(name)
                        .containsEntry("type", "integer").containsEntry("minimum", 1).containsKey("maximum")));
        assertThat(schemaOf("GET /api/v1/sessions/timeline/{deviceId}", "limit"))
                .containsEntry("maximum", SessionResource.MAX_TIMELINE_LIMIT)
                .containsEntry("default", SessionResource.DEFAULT_TIMELINE_LIMIT);
        assertThat(schemaOf("GET /api/v1/messages", "qos")).containsEntry("type", "integer")
                .containsEntry("enum", List.of(0, 1, 2));
        assertThat(schemaOf("GET /api/v1/messages", "order")).containsEntry("enum", List.of("newest", "oldest"));
        for (String encoding : List.of("GET /api/v1/messages", "GET /api/v1/messages/latest", "GET /api/v1/retained")) {
            assertThat(schemaOf(encoding, "payloadEncoding")).containsEntry("enum", List.of("text", "base64", "json"));
        }
        assertThat(schemaOf("GET /api/v1/messages", "retain")).containsEntry("type", "boolean");
        assertThat(schemaOf("GET /api/v1/devices", "enabled")).containsEntry("type", "boolean");
        assertThat(schemaOf("GET /api/v1/sessions", "connected")).containsEntry("type", "boolean");
        assertThat(schemaOf("GET /api/v1/sessions", "from")).containsEntry("format", "date-time");
        assertThat(schemaOf("GET /api/v1/sessions/{connectionId}", "connectionId")).containsEntry("format", "uuid");
    }

    private Map<String, Object> schemaOf(String operation, String parameter) {
        return map(document.parameter(operation, parameter).get("schema"));
    }
}
