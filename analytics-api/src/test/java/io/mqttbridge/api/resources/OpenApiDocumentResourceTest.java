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
    static final Set<String> PUBLIC = Set.of();
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
            assertThat(responses.containsKey("413")).as(name + " 413").isEqualTo(body);
            assertThat(responses.containsKey("415")).as(name + " 415").isEqualTo(body);
            responses.forEach((code, response) -> {
                if (code.startsWith("4") || code.startsWith("5")) {
                    assertThat(schema(response, Problem.MEDIA_TYPE)).as(name + " " + code)
                            .containsEntry("$ref", "#/components/schemas/Problem");
                }
            });
        });
        Map<String, Object> problem = map(map(map(document.root().get("components")).get("schemas")).get("Problem"));
        assertThat(map(problem.get("properties"))).containsOnlyKeys("type", "title", "status", "detail", "errors");
    }
}
