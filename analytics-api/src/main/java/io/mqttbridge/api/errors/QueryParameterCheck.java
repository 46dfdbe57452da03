package io.mqttbridge.api.errors;

import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MultivaluedMap;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses, with 400, a query parameter the matched resource method does not declare, one given more
 * than once that the method takes one value of, and a query parameter value holding U+0000.
 *
 * <p>An unknown parameter is almost always a misspelt filter ({@code clientid} for {@code clientId},
 * {@code topicFilter} for {@code topic}); ignored, it turned a filtered history query into one over
 * every device, which a dashboard shows as if it were the answer. JAX-RS hands a single-valued
 * parameter its first value only: {@code DELETE /retained?topic=a&topic=b} cleared {@code a} and
 * answered 204 as if both were gone. A parameter declared as a collection is documented as repeatable.
 * U+0000 can be in no device id,
 * client id, user name or topic (MQTT forbids it in every string, and PostgreSQL cannot hold it in
 * text): it used to reach the database and come back as a 500.
 */
public class QueryParameterCheck implements ContainerRequestFilter {

    /** The query parameters of a resource method, and those it takes several values of. */
    private record Declared(Set<String> names, Set<String> repeatable) {
    }

    private final Map<Method, Declared> declared = new ConcurrentHashMap<>();

    @Context
    private ResourceInfo resource;

    @Override
    public void filter(ContainerRequestContext request) {
        Method method = resource.getResourceMethod();
        if (method == null) {
            return;
        }
        MultivaluedMap<String, String> parameters = request.getUriInfo().getQueryParameters();
        if (parameters.isEmpty()) {
            return;
        }
        Declared parametersOfMethod = declared.computeIfAbsent(method, QueryParameterCheck::queryParameters);
        Set<String> known = parametersOfMethod.names();
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            if (!known.contains(name)) {
                throw new ApiException(Problem.of(400, "unknown-parameter", "Unknown query parameter",
                        "unknown query parameter '" + name + "'; known here: "
                                + (known.isEmpty() ? "none" : String.join(", ", known))));
            }
            if (parameter.getValue().size() > 1 && !parametersOfMethod.repeatable().contains(name)) {
                throw new ApiException(Problem.of(400, "repeated-parameter", "Repeated query parameter",
                        "query parameter '" + name + "' is given " + parameter.getValue().size()
                                + " times; it takes one value"));
            }
            for (String value : parameter.getValue()) {
                if (value.indexOf('\u0000') >= 0) {
                    throw ApiException.badRequest("query parameter '" + name + "' must not contain U+0000");
                }
            }
        }
    }

    private static Declared queryParameters(Method method) {
        Set<String> names = new TreeSet<>();
        Set<String> repeatable = new TreeSet<>();
        Annotation[][] annotations = method.getParameterAnnotations();
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < annotations.length; i++) {
            for (Annotation annotation : annotations[i]) {
                if (annotation instanceof QueryParam query) {
                    names.add(query.value());
                    if (Collection.class.isAssignableFrom(types[i])) {
                        repeatable.add(query.value());
                    }
                }
            }
        }
        return new Declared(names, repeatable);
    }
}
