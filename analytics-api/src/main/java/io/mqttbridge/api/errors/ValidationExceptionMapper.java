package io.mqttbridge.api.errors;

import io.dropwizard.jersey.validation.ConstraintMessage;
import io.dropwizard.jersey.validation.JerseyViolationException;
import jakarta.validation.ConstraintViolation;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

import java.util.List;

/** Bean-validation failures of request bodies and parameters: 400 with one line per field. */
public class ValidationExceptionMapper implements ExceptionMapper<JerseyViolationException> {

    @Override
    public Response toResponse(JerseyViolationException exception) {
        List<String> errors = exception.getConstraintViolations().stream()
                .map((ConstraintViolation<?> violation) ->
                        ConstraintMessage.getMessage(violation, exception.getInvocable()))
                .sorted()
                .toList();
        Problem problem = new Problem(Problem.of(400, "invalid-request", "Invalid request", null).type(),
                "Invalid request", 400, String.join("; ", errors), errors);
        return ProblemResponses.of(problem);
    }
}
