package io.mqttbridge.api.resources;

import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /api/v1/openapi.json}: the OpenAPI 3 document of the REST API, generated from the
 * annotations of the resource classes once, on first request. Public, like any API description.
 */
@Path("/api/v1/openapi.json")
public class OpenApiDocumentResource {

    private final Set<Class<?>> resourceClasses;
    private volatile String document;

    private OpenApiDocumentResource(List<Class<?>> resourceClasses) {
        this.resourceClasses = new LinkedHashSet<>(resourceClasses);
    }

    /** The document of {@code resourceClasses}, in that order. */
    public static OpenApiDocumentResource describing(List<Class<?>> resourceClasses) {
        return new OpenApiDocumentResource(resourceClasses);
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public String document() throws Exception {
        String current = document;
        if (current == null) {
            current = Json.pretty(build());
            document = current;
        }
        return current;
    }

    private OpenAPI build() {
        OpenAPI base = new OpenAPI()
                .info(new Info().title("MQTT Kafka bridge API").version("v1")
                        .description("Devices, sessions and message history of the MQTT bridge. Errors are "
                                + "application/problem+json (RFC 9457)."))
                .components(new Components()
                        .addSecuritySchemes("bearer", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer"))
                        .addSecuritySchemes("basic", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("basic")));
        ApiDocumentReader reader = new ApiDocumentReader(base);
        OpenAPI document = reader.read(resourceClasses);
        OpenApiConventions.apply(document, reader.methods());
        return document;
    }
}
