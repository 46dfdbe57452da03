package io.mqttbridge.api.resources;

import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.testing.junit5.ResourceExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document is public and describes operations with their parameters and error responses. */
@ExtendWith(DropwizardExtensionsSupport.class)
class OpenApiDocumentResourceTest {

    static final ResourceExtension resources = ResourceTestSupport.resources()
            .addResource(OpenApiDocumentResource.describing(ApiResources.DOCUMENTED))
            .build();

    @Test
    @SuppressWarnings("unchecked")
    void documentIsServedWithoutCredentialsAndDescribesParametersAndErrors() {
        Map<String, Object> document = resources.target("/api/v1/openapi.json").request().get(Map.class);

        assertThat((String) document.get("openapi")).startsWith("3.");
        Map<String, Object> paths = (Map<String, Object>) document.get("paths");
        assertThat(paths).doesNotContainKey("/api/v1/openapi.json");
        Map<String, Object> messages = (Map<String, Object>) ((Map<String, Object>) paths.get("/api/v1/messages")).get("get");
        assertThat(messages.get("parameters").toString()).contains("topic", "cursor", "payloadEncoding", "order");
        assertThat(messages.get("tags")).isEqualTo(java.util.List.of("messages"));
        Map<String, Object> create = (Map<String, Object>) ((Map<String, Object>) paths.get("/api/v1/devices")).get("post");
        assertThat((Map<String, Object>) create.get("responses")).containsKeys("201", "400", "409");
        assertThat(create.get("security").toString()).contains("bearer", "basic");
    }
}
