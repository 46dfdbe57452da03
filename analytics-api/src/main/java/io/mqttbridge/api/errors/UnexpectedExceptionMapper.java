package io.mqttbridge.api.errors;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Anything else is our fault: 500 with an error id that also appears in the log, and no internals
 * (stack traces, SQL) in the response.
 */
public class UnexpectedExceptionMapper implements ExceptionMapper<Throwable> {

    private static final Logger LOG = LoggerFactory.getLogger(UnexpectedExceptionMapper.class);

    @Override
    public Response toResponse(Throwable exception) {
        String errorId = Long.toHexString(ThreadLocalRandom.current().nextLong());
        LOG.error("Unexpected error {} while serving a request", errorId, exception);
        return ProblemResponses.of(Problem.of(500, "internal", "Internal server error",
                "unexpected error; the server log has details under error id " + errorId));
    }
}
