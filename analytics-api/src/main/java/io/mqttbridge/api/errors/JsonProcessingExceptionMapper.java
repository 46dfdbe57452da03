package io.mqttbridge.api.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.stream.Collectors;

/** A request body that is not the JSON we expect: 400 saying where it went wrong. */
public class JsonProcessingExceptionMapper implements ExceptionMapper<JsonProcessingException> {

    private static final Logger LOG = LoggerFactory.getLogger(JsonProcessingExceptionMapper.class);

    @Override
    public Response toResponse(JsonProcessingException exception) {
        // The body's stream refused to go on (RequestBodyLimit): Jackson wrapped that refusal.
        for (Throwable cause = exception.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ApiException refusal) {
                return ProblemResponses.of(refusal.problem());
            }
        }
        if (exception instanceof InvalidDefinitionException) {
            // Our own mapping is broken, not the client's input.
            LOG.error("Cannot (de)serialise JSON", exception);
            return ProblemResponses.of(Problem.of(500, "internal", "Internal server error",
                    "the server could not process JSON for this resource"));
        }
        if (exception instanceof UnrecognizedPropertyException unknown) {
            return ProblemResponses.of(Problem.of(400, "unknown-field", "Unknown field", "unknown field '"
                    + fieldPath(unknown) + "'; known here: " + unknown.getKnownPropertyIds().stream()
                            .map(String::valueOf).sorted().collect(Collectors.joining(", "))));
        }
        if (exception instanceof StorableTextModule.UnstorableTextException unstorable) {
            String where = fieldPath(unstorable);
            where = where.isEmpty() ? "the body" : where;
            return ProblemResponses.of(Problem.of(400, "invalid-text", "Text that cannot be stored",
                    (unstorable.inKey() ? "a key of " + where : where) + " " + unstorable.getOriginalMessage()));
        }
        if (exception instanceof ValueInstantiationException refused) {
            return ProblemResponses.of(RefusedValues.problem(refused, fieldPath(refused)));
        }
        if (exception instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            String where = fieldPath(mismatched);
            return ProblemResponses.of(Problem.of(400, "wrong-type", "Wrong JSON type",
                    (where.isEmpty() ? "the body" : where) + " must be " + JsonTypes.describe(mismatched.getTargetType())
                            + (mismatched instanceof InvalidFormatException invalid && invalid.getValue() != null
                                    ? ", was " + JsonTypes.shortened(invalid.getValue()) : "")));
        }
        return ProblemResponses.of(Problem.of(400, "malformed-json", "Malformed JSON",
                exception.getOriginalMessage()));
    }

    /** Where the field is in the body, e.g. {@code aclRules[0].topicFiltr} (no Java class names). */
    private static String fieldPath(UnrecognizedPropertyException exception) {
        String path = fieldPath((JsonMappingException) exception);
        return path.isEmpty() ? printable(exception.getPropertyName()) : path;
    }

    static String fieldPath(JsonMappingException exception) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : exception.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(printable(reference.getFieldName()));
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** A name as JSON would escape it: a key may hold the very characters being refused. */
    private static String printable(String name) {
        StringBuilder out = new StringBuilder(name.length());
        name.chars().forEach(c -> {
            if (c < 0x20 || Character.isSurrogate((char) c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.append((char) c);
            }
        });
        return out.toString();
    }
}
