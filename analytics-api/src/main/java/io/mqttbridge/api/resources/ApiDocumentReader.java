package io.mqttbridge.api.resources;

import com.fasterxml.jackson.annotation.JsonView;
import com.fasterxml.jackson.databind.introspect.AnnotatedMethod;
import io.dropwizard.auth.Auth;
import io.swagger.v3.jaxrs2.OperationParser;
import io.swagger.v3.jaxrs2.Reader;
import io.swagger.v3.jaxrs2.ResolvedParameter;
import io.swagger.v3.oas.integration.SwaggerConfiguration;
import io.swagger.v3.oas.models.ExternalDocumentation;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.servers.Server;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Produces;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * swagger's JAX-RS reader, corrected where it misreads this API's resources, for every resource alike:
 * <ul>
 * <li>A Dropwizard {@code @Auth} parameter is the authenticated client, not the request body: the reader
 * took the first parameter without a JAX-RS annotation for the body, and documented {@code ApiPrincipal}
 * as the body of {@code POST /console/live-token} (whose body is its {@code LiveTokenRequest}) and of
 * {@code GET /console/me}.</li>
 * <li>An undeclared success response is {@code 200} (what Jersey answers with a returned entity), and a
 * declared {@code 200} without content gets the method's return type, not {@code default}.</li>
 * <li>A class's {@code @ApiResponse} (a 503 every operation of the class can give) is added beside each
 * operation's own responses: the reader adds the return type's response only to an operation that has
 * none yet, so a class-level response made every undeclared success response vanish.</li>
 * </ul>
 * It also remembers the Java method of each operation, for {@link OpenApiConventions}.
 */
final class ApiDocumentReader extends Reader {

    private static final io.swagger.v3.oas.annotations.responses.ApiResponse[] NO_RESPONSES = {};

    private final Map<Operation, Method> methods = new IdentityHashMap<>();

    ApiDocumentReader(OpenAPI base) {
        super(new SwaggerConfiguration().openAPI(base).defaultResponseCode("200"));
    }

    /** The Java method behind each operation read so far (operations compare by identity). */
    Map<Operation, Method> methods() {
        return Collections.unmodifiableMap(methods);
    }

    @Override
    protected ResolvedParameter getParameters(Type type, List<Annotation> annotations, Operation operation,
                                              Consumes classConsumes, Consumes methodConsumes, JsonView jsonView) {
        if (annotations.stream().anyMatch(Auth.class::isInstance)) {
            return new ResolvedParameter();
        }
        return super.getParameters(type, annotations, operation, classConsumes, methodConsumes, jsonView);
    }

    @Override
    public Operation parseMethod(Method method, List<Parameter> globalParameters, Produces methodProduces,
                                 Produces classProduces, Consumes methodConsumes, Consumes classConsumes,
                                 List<SecurityRequirement> classSecurity, Optional<ExternalDocumentation> classDocs,
                                 Set<String> classTags, List<Server> classServers, boolean isSubresource,
                                 RequestBody parentRequestBody, ApiResponses parentResponses, JsonView jsonView,
                                 io.swagger.v3.oas.annotations.responses.ApiResponse[] classResponses,
                                 AnnotatedMethod annotatedMethod) {
        Operation operation = super.parseMethod(method, globalParameters, methodProduces, classProduces,
                methodConsumes, classConsumes, classSecurity, classDocs, classTags, classServers, isSubresource,
                parentRequestBody, parentResponses, jsonView, NO_RESPONSES, annotatedMethod);
        OperationParser.getApiResponses(classResponses, classProduces, methodProduces, getComponents(), jsonView)
                .ifPresent(responses -> responses.forEach(operation.getResponses()::putIfAbsent));
        methods.put(operation, method);
        return operation;
    }
}
