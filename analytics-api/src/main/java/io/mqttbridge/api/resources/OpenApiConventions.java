package io.mqttbridge.api.resources;

import io.dropwizard.auth.Auth;
import io.mqttbridge.api.auth.ApiRole;
import io.mqttbridge.api.errors.Problem;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.jaxrs2.Reader;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import jakarta.annotation.security.DenyAll;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Produces;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The error responses every operation shares, added to the document after the reader, from what the
 * application installs around every resource rather than from each resource's annotations, so that a new
 * resource cannot leave them out: 400 (every method refuses a query parameter it does not declare,
 * {@code QueryParameterCheck}), 401 and 403 (from the same annotations as {@code ApiSecurity}'s filters),
 * 406 (Jersey, for an {@code Accept} the method cannot produce), 408, 413 and 415 on a request body
 * ({@code RequestBodyReadFailures}, {@code RequestBodyLimit}; Jersey) and 500
 * ({@code UnexpectedExceptionMapper}). Every error response
 * without content gets the {@code Problem} schema as {@code application/problem+json}. A response an
 * operation declares itself is kept.
 */
final class OpenApiConventions {

    /** The 503 of the resources that query PostgreSQL, for their class-level {@code @ApiResponse(ref = ...)}. */
    static final String DATABASE_BUSY = "#/components/responses/DatabaseBusy";

    private static final Set<Class<? extends Annotation>> AUTHENTICATED_ON_METHOD =
            Set.of(RolesAllowed.class, PermitAll.class, DenyAll.class);
    private static final Set<Class<? extends Annotation>> AUTHENTICATED_ON_CLASS =
            Set.of(RolesAllowed.class, PermitAll.class);

    private OpenApiConventions() {
    }

    /** Adds the conventions to {@code document}, whose operations were read from {@code methods}. */
    static void apply(OpenAPI document, Map<Operation, Method> methods) {
        Content problem = new Content().addMediaType(Problem.MEDIA_TYPE,
                new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem")));
        document.getComponents()
                .addSchemas("Problem", problemSchema())
                .addResponses("DatabaseBusy", new ApiResponse().content(problem)
                        .description("PostgreSQL too busy: every connection of the API's pool stayed in use, or the"
                                + " query ran past database.apiStatementTimeoutSeconds (narrow it)")
                        .addHeaderObject("Retry-After", new Header().description("seconds to wait")
                                .schema(new IntegerSchema())));
        methods.forEach((operation, method) -> {
            ApiResponses responses = operation.getResponses();
            common(operation, method).forEach(responses::putIfAbsent);
            responses.values().stream().filter(r -> Reader.DEFAULT_DESCRIPTION.equals(r.getDescription()))
                    .forEach(r -> r.setDescription("OK"));
            responses.forEach((code, response) -> {
                if (!code.startsWith("2") && response.get$ref() == null
                        && (response.getContent() == null || response.getContent().isEmpty())) {
                    response.setContent(problem);
                }
            });
            operation.setResponses(sorted(responses));
        });
    }

    private static Map<String, ApiResponse> common(Operation operation, Method method) {
        ApiResponses common = new ApiResponses();
        common.addApiResponse("400", error("a query parameter or body the operation does not take: unknown, repeated,"
                + " malformed or out of range"));
        if (authenticated(method)) {
            common.addApiResponse("401", error("no credentials, or wrong ones: a bearer token or basic auth")
                    .addHeaderObject("WWW-Authenticate", new Header().schema(new StringSchema())));
        }
        if (forbiddenToReaders(method)) {
            common.addApiResponse("403", error("the client's role (READ_ONLY) may not do this"));
        }
        if (method.isAnnotationPresent(Produces.class)
                || method.getDeclaringClass().isAnnotationPresent(Produces.class)) {
            common.addApiResponse("406", error("the request's Accept does not take what the operation produces"));
        }
        if (operation.getRequestBody() != null) {
            common.addApiResponse("408", error("the request body stopped coming before its end (the connection's"
                    + " idle timeout, 30 s by default)"));
            common.addApiResponse("413", error("the request body is larger than apiMaxRequestBodyBytes"
                    + " (1 MiB by default)"));
            common.addApiResponse("415", error("the request body is not application/json"));
        }
        common.addApiResponse("500", error("an unexpected error; the detail names an error id of the server log"));
        return common;
    }

    /** Whether Dropwizard's {@code AuthDynamicFeature} puts the authentication filter on the method. */
    private static boolean authenticated(Method method) {
        return AUTHENTICATED_ON_METHOD.stream().anyMatch(method::isAnnotationPresent)
                || AUTHENTICATED_ON_CLASS.stream().anyMatch(method.getDeclaringClass()::isAnnotationPresent)
                || Arrays.stream(method.getParameterAnnotations()).flatMap(Arrays::stream)
                        .anyMatch(Auth.class::isInstance);
    }

    /** Whether Jersey's {@code RolesAllowedDynamicFeature} refuses a {@code READ_ONLY} client the method. */
    private static boolean forbiddenToReaders(Method method) {
        if (method.isAnnotationPresent(DenyAll.class)) {
            return true;
        }
        if (method.isAnnotationPresent(PermitAll.class)) {
            return false;
        }
        RolesAllowed roles = Stream.of(method.getAnnotation(RolesAllowed.class),
                method.getDeclaringClass().getAnnotation(RolesAllowed.class)).filter(Objects::nonNull)
                .findFirst().orElse(null);
        return roles != null && !List.of(roles.value()).contains(ApiRole.READ);
    }

    private static ApiResponse error(String description) {
        return new ApiResponse().description(description);
    }

    private static Schema<?> problemSchema() {
        Schema<?> schema = ModelConverters.getInstance().read(Problem.class).get("Problem");
        return schema.description("RFC 9457 problem details, the body of every error: type is a URN"
                        + " (urn:mqtt-kafka-bridge:problem:<kind>, not a link), errors lists failed field checks")
                .required(List.of("type", "title", "status"));
    }

    /** Success responses first, then errors by code; {@code default} last. */
    private static ApiResponses sorted(ApiResponses responses) {
        ApiResponses sorted = new ApiResponses();
        responses.entrySet().stream()
                .sorted(Comparator.comparing(e -> e.getKey().equals("default") ? "999" : e.getKey()))
                .forEach(e -> sorted.addApiResponse(e.getKey(), e.getValue()));
        sorted.setExtensions(responses.getExtensions());
        return sorted;
    }
}
