package io.mqttbridge.api.errors;

import io.dropwizard.jersey.setup.JerseyEnvironment;

/**
 * Registers every mapper that makes errors problem+json, and the check of query parameters that
 * every resource shares. Default Dropwizard mappers must be off.
 */
public final class ProblemMappers {

    private ProblemMappers() {
    }

    public static void register(JerseyEnvironment jersey) {
        jersey.register(new ApiExceptionMapper());
        jersey.register(new WebApplicationExceptionMapper());
        jersey.register(new ValidationExceptionMapper());
        jersey.register(new JsonProcessingExceptionMapper());
        jersey.register(new DatabaseExceptionMapper());
        jersey.register(new UnexpectedExceptionMapper());
        jersey.register(new QueryParameterCheck());
    }
}
