package io.mqttbridge.api.errors;

import jakarta.ws.rs.core.Response;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

import java.sql.SQLTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

/** The two ways PostgreSQL can be too busy for a request, as Jdbi reports them, are 503s; the rest 500s. */
class DatabaseExceptionMapperTest {

    private final DatabaseExceptionMapper mapper = new DatabaseExceptionMapper();

    @Test
    void aPoolThatStayedBusyIsA503WithRetryAfter() {
        Response response = mapper.toResponse(new ConnectionException(
                new SQLTransientConnectionException("mqttbridge-api - Connection is not available, request timed out")));
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("1");
        assertThat(((Problem) response.getEntity()).detail()).contains("database.apiPoolSize");
    }

    @Test
    void aStatementStoppedByTheApiTimeoutIsA503SayingHowToNarrowIt() {
        Response response = mapper.toResponse(new UnableToExecuteStatementException(
                new PSQLException("ERROR: canceling statement due to statement timeout", PSQLState.QUERY_CANCELED), null));
        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(((Problem) response.getEntity()).detail()).contains("apiStatementTimeoutSeconds", "narrow it");
    }

    @Test
    void anyOtherDatabaseErrorIsA500WithAnErrorId() {
        Response response = mapper.toResponse(new UnableToExecuteStatementException(
                new PSQLException("ERROR: relation does not exist", PSQLState.UNDEFINED_TABLE), null));
        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(((Problem) response.getEntity()).detail()).contains("error id");
    }
}
