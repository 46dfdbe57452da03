package io.mqttbridge.api.resources;

import io.dropwizard.testing.junit5.ResourceExtension;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The OpenAPI document as served, as JSON maps, with its operations named like {@code "GET /api/v1/stats"}. */
final class OpenApiTestDocument {

    private final Map<String, Object> document;

    private OpenApiTestDocument(Map<String, Object> document) {
        this.document = document;
    }

    /** {@code GET /api/v1/openapi.json} without credentials. */
    @SuppressWarnings("unchecked")
    static OpenApiTestDocument served(ResourceExtension resources) {
        return new OpenApiTestDocument(resources.target("/api/v1/openapi.json").request().get(Map.class));
    }

    Map<String, Object> root() {
        return document;
    }

    /** Every operation by method and path, e.g. {@code "POST /api/v1/devices"}. */
    Map<String, Map<String, Object>> operations() {
        Map<String, Map<String, Object>> operations = new LinkedHashMap<>();
        map(document.get("paths")).forEach((path, item) -> map(item).forEach((method, operation) ->
                operations.put(method.toUpperCase(Locale.ROOT) + " " + path, map(operation))));
        return operations;
    }

    Map<String, Object> operation(String methodAndPath) {
        Map<String, Object> operation = operations().get(methodAndPath);
        if (operation == null) {
            throw new AssertionError("the document has no operation " + methodAndPath);
        }
        return operation;
    }

    /** The responses of an operation by status code, references to components resolved. */
    Map<String, Map<String, Object>> responses(String methodAndPath) {
        Map<String, Map<String, Object>> responses = new LinkedHashMap<>();
        map(operation(methodAndPath).get("responses")).forEach((code, response) ->
                responses.put(code, resolve(map(response))));
        return responses;
    }

    /** The schema of a response's (or request body's) content of {@code mediaType}. */
    static Map<String, Object> schema(Map<String, Object> withContent, String mediaType) {
        Map<String, Object> content = map(withContent.get("content"));
        if (content == null || content.get(mediaType) == null) {
            throw new AssertionError("no " + mediaType + " content in " + withContent);
        }
        return map(map(content.get(mediaType)).get("schema"));
    }

    /** The query parameter {@code name} of an operation. */
    Map<String, Object> parameter(String methodAndPath, String name) {
        List<Object> parameters = list(operation(methodAndPath).get("parameters"));
        return parameters.stream().map(OpenApiTestDocument::map).filter(p -> name.equals(p.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError(methodAndPath + " has no parameter " + name));
    }

    private Map<String, Object> resolve(Map<String, Object> maybeReference) {
        Object ref = maybeReference.get("$ref");
        if (ref == null) {
            return maybeReference;
        }
        Map<String, Object> target = document;
        for (String part : ((String) ref).substring(2).split("/")) {
            target = map(target.get(part));
        }
        return target;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object json) {
        return (Map<String, Object>) json;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object json) {
        return json == null ? List.of() : (List<Object>) json;
    }
}
