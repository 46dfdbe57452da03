package io.mqttbridge.api.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A request body that is not the JSON we expect: 400 saying where it went wrong. */
public class JsonProcessingExceptionMapper implements ExceptionMapper<JsonProcessingException> {

    private static final Logger LOG = LoggerFactory.getLogger(JsonProcessingExceptionMapper.class);

    @Override
    public Response toResponse(JsonProcessingException exception) {
        if (exception instanceof InvalidDefinitionException) {
            // Our own mapping is broken, not the client's input.
            LOG.error("Cannot (de)serialise JSON", exception);
            return ProblemResponses.of(Problem.of(500, "internal", "Internal server error",
                    "the server could not process JSON for this resource"));
        }
        return ProblemResponses.of(Problem.of(400, "malformed-json", "Malformed JSON",
                exception.getOriginalMessage()));
    }
}
