package io.mqttbridge.api.errors;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.JdbiException;

import java.sql.SQLException;

/**
 * PostgreSQL too busy for a request: 503 with a {@code Retry-After}, saying what to do, instead of a
 * 500. Two cases: every connection of the API's pool stayed in use for the pool's connection
 * time-out (a burst of dashboard queries), and a statement cancelled by the API pool's
 * {@code statement_timeout} (a query too broad for the history). Anything else is unexpected.
 */
public class DatabaseExceptionMapper implements ExceptionMapper<JdbiException> {

    /** PostgreSQL's query_canceled, which a statement time-out raises. */
    private static final String QUERY_CANCELED = "57014";

    private final UnexpectedExceptionMapper unexpected = new UnexpectedExceptionMapper();

    @Override
    public Response toResponse(JdbiException exception) {
        if (exception instanceof ConnectionException) {
            return busy("every database connection of the REST API stayed in use (database.apiPoolSize); retry shortly",
                    1);
        }
        if (exception.getCause() instanceof SQLException sql && QUERY_CANCELED.equals(sql.getSQLState())) {
            return busy("the query ran longer than database.apiStatementTimeoutSeconds and was stopped; narrow it"
                    + " (topic, clientId, from/to) or page through it", 5);
        }
        return unexpected.toResponse(exception);
    }

    private static Response busy(String detail, int retryAfterSeconds) {
        Response problem = ProblemResponses.of(Problem.of(503, "database-busy", "Database busy", detail));
        return Response.fromResponse(problem).header("Retry-After", retryAfterSeconds).build();
    }
}
